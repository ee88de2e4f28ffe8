"""Every area's models, imported together so Alembic and create_all see them all."""

from .accounts import models as accounts  # noqa: F401
from .admin import models as admin  # noqa: F401
from .applications import models as applications  # noqa: F401
from .audit import models as audit  # noqa: F401
from .directory import models as directory  # noqa: F401
from .hubs import models as hubs  # noqa: F401
from .letters import models as letters  # noqa: F401
from .notifications import models as notifications  # noqa: F401
from .organisations import models as organisations  # noqa: F401
from .privacy import models as privacy  # noqa: F401
from .reviews import models as reviews  # noqa: F401
from .votes import models as votes  # noqa: F401
