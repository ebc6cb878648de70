# Import a storage connection by its id. Its source_files, name and authentication type are read from the server;
# a manifest connection id is refused (import it as itwin_sync_manifest_connection).
terraform import itwin_sync_storage_connection.plant_a CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8
