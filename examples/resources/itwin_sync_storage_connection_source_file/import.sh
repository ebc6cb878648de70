# The import id is "<connection_id>/<source_file_id>", where source_file_id is the mapping id (the value shown in
# itwin_sync_storage_connection.source_file_ids or itwin_sync_connection.source_files[*].id), not the Storage file id.
terraform import itwin_sync_storage_connection_source_file.site CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8/35009393-a7a5-4e2a-bda0-89da60f2419f
