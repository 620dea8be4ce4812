// Coalition module.
