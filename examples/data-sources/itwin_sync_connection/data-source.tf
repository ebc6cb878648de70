variable "connection_id" {
  type        = string
  description = "Id of a storage or manifest connection."
}

data "itwin_sync_connection" "this" {
  id = var.connection_id
}

output "connection" {
  value = {
    kind        = data.itwin_sync_connection.this.kind
    name        = data.itwin_sync_connection.this.display_name
    last_run_id = data.itwin_sync_connection.this.last_run_id
    files       = [for f in data.itwin_sync_connection.this.source_files : coalesce(f.file_name, f.source_file_id)]
  }
}
