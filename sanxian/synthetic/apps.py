from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    """The deterministic synthetic data generator of the scale tiers (no pages of its own)."""

    name = "sanxian.synthetic"
    label = "synthetic"
