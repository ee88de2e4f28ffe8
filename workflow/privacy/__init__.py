"""Privacy (UK GDPR): an organisation's data export, and anonymising old applications."""
