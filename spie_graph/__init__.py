"""spie-graph: map the actors of the service public de l'insertion et de l'emploi."""

__version__ = "0.1.0"
