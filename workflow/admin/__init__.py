"""Administration: hubs, rounds, users and roles, the deployment settings, and the admin log."""
