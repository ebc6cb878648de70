# Import a Storage file by id. The hash of the remote content cannot be read from the API, so source_hash is null
# after the import and the first apply uploads the configured `source` once; later plans are empty until the local
# file changes. Keep `source` in the configuration.
terraform import itwin_storage_file.building Zb8dmK7eV0aHPl8h5yRzQxA2mW3e7dS3QmR9p0a1B2c
