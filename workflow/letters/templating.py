"""Letter templates as sandboxed Jinja: merge fields in, escaped HTML out.

A template's body is written by an admin and rendered in an
``ImmutableSandboxedEnvironment`` with autoescaping on, no loader and no globals:
it sees only the merge fields (:data:`FIELDS`), can reach no Python internals, and
cannot include, import or extend anything. Every merge field is plain text, so
whatever an organisation or officer typed comes out escaped.
"""

import re
import traceback
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape

from . import limits

FIELDS = (
    "organisation", "contact", "address", "reference", "date", "hub", "outcome",
    "conditions", "chair_name", "chair_signature", "term_years", "term_start", "term_end",
)

#: Values for checking a template: once with every optional field filled, once empty.
SAMPLE_FIELDS = (
    {
        "organisation": "Example Community Strings", "contact": "Alex Example",
        "address": "1 Example Road\nExampletown\nEX1 1AA", "reference": "HUB-2026-0001",
        "date": "25 November 2026", "hub": "Example Music Education Hub", "outcome": "approved",
        "conditions": "A condition.\n\nAnother condition.", "chair_name": "Sam Example",
        "chair_signature": "/static/signature.png", "term_years": 3, "term_start": "25 November 2026",
        "term_end": "25 November 2029",
    },
    {
        "organisation": "Example Band", "contact": "", "address": "", "reference": "HUB-2026-0002",
        "date": "25 November 2026", "hub": "Example Music Education Hub", "outcome": "declined",
        "conditions": "", "chair_name": "The Chair", "chair_signature": "", "term_years": 3,
        "term_start": "", "term_end": "",
    },
)

TEMPLATE_NAME = "<template>"
REFUSED_TAGS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
IMPLICIT_NAMES = frozenset({"loop", "caller"})


class LetterTemplateError(ValueError):
    """A template that cannot be rendered, with the line where it went wrong."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def paragraphs(text) -> Markup:
    """Plain text as escaped HTML paragraphs: a blank line starts a new one."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", str(text or "").replace("\r\n", "\n"))]
    return Markup("").join(Markup("<p>{}</p>").format(lines(block)) for block in blocks if block)


def lines(text) -> Markup:
    """Plain text with its line breaks kept, escaped."""
    parts = [line.strip() for line in str(text or "").replace("\r\n", "\n").split("\n")]
    return Markup("<br>").join(escape(part) for part in parts if part)


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox letter templates render in: calls and growing operators within the limits."""

    intercepted_binops = frozenset(limits.BINARY_OPERATORS)

    def call_binop(self, context, operator_name, left, right):
        if operator_name in limits.BINARY_OPERATORS:
            return limits.binary_operation(operator_name, left, right)
        return super().call_binop(context, operator_name, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        limits.check_call(__obj, args, kwargs)
        return limits.checked(super().call(__context, __obj, *args, **kwargs))


class _Metered(NodeTransformer):
    """Route loops, ``~`` and printed pieces through the limits' filters."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = _filtered(node.iter, "letter_loop_items")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        self.generic_visit(node)
        return _filtered(nodes.List(node.nodes, lineno=node.lineno), "letter_concatenated")

    def visit_Output(self, node: nodes.Output) -> nodes.Output:
        self.generic_visit(node)
        node.nodes = [
            _filtered(nodes.MarkSafeIfAutoescape(nodes.Const(child.data), lineno=child.lineno)
                      if isinstance(child, nodes.TemplateData) else child, "letter_printed")
            for child in node.nodes
        ]
        return node


def _filtered(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def _environment() -> LetterEnvironment:
    environment = LetterEnvironment(autoescape=True, undefined=StrictUndefined, loader=None)
    environment.globals.clear()
    environment.filters["paragraphs"] = paragraphs
    environment.filters["lines"] = lines
    environment.filters = {name: limits.metered_filter(name, function) for name, function in environment.filters.items()}
    environment.filters.update(
        letter_loop_items=limits.loop_items, letter_concatenated=limits.concatenated, letter_printed=limits.printed,
    )
    return environment


ENVIRONMENT = _environment()


def _template_line(error: BaseException) -> int:
    """The template line a rendering error came from (Jinja rewrites the traceback)."""
    lines_seen = [
        line for frame, line in traceback.walk_tb(error.__traceback__)
        if frame.f_code.co_filename == TEMPLATE_NAME
    ]
    return lines_seen[-1] if lines_seen else 1


def _parse(body: str) -> nodes.Template:
    """The template's syntax tree; refuses syntax errors and other templates."""
    try:
        tree = ENVIRONMENT.parse(body, name=TEMPLATE_NAME)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(error.lineno or 1, error.message or "syntax error") from None
    for node in tree.find_all(REFUSED_TAGS):
        raise LetterTemplateError(node.lineno, "a letter template cannot include, import or extend other templates")
    for node in tree.find_all(nodes.For):
        if node.recursive:
            raise LetterTemplateError(node.lineno, "a loop in a letter template cannot be recursive")
    for node in tree.find_all((nodes.ScopedEvalContextModifier, nodes.EvalContextModifier)):
        raise LetterTemplateError(node.lineno, "a letter template cannot switch escaping off: what people typed is printed as text")
    for node in tree.find_all(nodes.Filter):
        if node.name == "safe":
            raise LetterTemplateError(node.lineno, "'safe' cannot be used: what people typed is printed as text, never as HTML")
    return tree


def _check_names(tree: nodes.Template) -> None:
    """Refuse names that are neither merge fields nor set in the template itself."""
    assigned = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    allowed = set(FIELDS) | assigned | IMPLICIT_NAMES
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in allowed:
            known = ", ".join(FIELDS)
            raise LetterTemplateError(node.lineno, f"'{node.name}' is not a merge field (they are: {known})")


@lru_cache(maxsize=64)
def _compiled(body: str):
    """The template compiled once per process (bodies are few: the versions in use),
    its loops, ``~`` and printed pieces metered (:mod:`.limits`)."""
    tree = _Metered().visit(_parse(body))
    tree.set_environment(ENVIRONMENT)
    try:
        return ENVIRONMENT.template_class.from_code(ENVIRONMENT, ENVIRONMENT.compile(tree), ENVIRONMENT.make_globals(None), None)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(error.lineno or 1, error.message or "syntax error") from None
    except Exception as error:  # noqa: BLE001 - the body is user-written code: any failure is its fault
        raise LetterTemplateError(_template_line(error), str(error) or type(error).__name__) from None


def render_letter_body(template_body: str, fields: dict) -> Markup:
    """Render a template body with the merge fields; escaped HTML.

    Raises :class:`LetterTemplateError` for any template that does not render,
    including one that goes past the limits of :mod:`.limits`.
    """
    template = _compiled(template_body)
    try:
        with limits.metered():
            return Markup(template.render({name: fields.get(name, "") for name in FIELDS}))
    except LetterTemplateError:
        raise
    except Exception as error:  # the body is user-written code: any failure is its fault
        message = error.message if isinstance(error, TemplateSyntaxError) else str(error)
        raise LetterTemplateError(_template_line(error), message or type(error).__name__) from None


def validate_template(body: str) -> tuple[int, str] | None:
    """None if the body is a usable template, else (line, message) of the first problem.

    Checks the syntax, refuses other templates and unknown names, then renders it
    with sample values (every optional field filled, then empty) using StrictUndefined.
    """
    try:
        _check_names(_parse(body))
        for sample in SAMPLE_FIELDS:
            render_letter_body(body, sample)
    except LetterTemplateError as problem:
        return problem.line, problem.message
    return None
