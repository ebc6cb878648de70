variable "connection_id" {
  type        = string
  description = "A manifest connection created outside this configuration."
}

# Registers one more external document on a connection managed elsewhere. Do not combine with the inline
# source_files of an itwin_sync_manifest_connection for the same connection.
resource "itwin_sync_manifest_connection_source_file" "annex" {
  connection_id  = var.connection_id
  source_file_id = "dms-0004" # changing it rewrites the mapping in place
}
