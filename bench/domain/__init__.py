"""The platform's own benchmark: the mobile app's screens against `charter up --regions ams`."""
