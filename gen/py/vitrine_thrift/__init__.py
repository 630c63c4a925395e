__all__ = ['ttypes', 'constants', 'DisplayManager', 'Vitrine', 'VitrineEvents']
