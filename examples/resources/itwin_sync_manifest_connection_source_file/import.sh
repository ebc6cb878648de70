# The import id is "<connection_id>/<id>", where id is the mapping id (a UUID from
# itwin_sync_manifest_connection.source_file_ids), not the external document id (the resource's source_file_id).
terraform import itwin_sync_manifest_connection_source_file.annex uTqD9h2o4Cw8YpR1ZkZr3mJw0bXlq6mR4n5Kc7pQ2sA/a44d2e48-6404-448a-8913-a4a7adbb346e
