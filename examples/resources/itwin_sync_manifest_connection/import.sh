# Import a manifest connection by its id; a storage connection id is refused (import it as
# itwin_sync_storage_connection).
terraform import itwin_sync_manifest_connection.plant_a_docs uTqD9h2o4Cw8YpR1ZkZr3mJw0bXlq6mR4n5Kc7pQ2sA
