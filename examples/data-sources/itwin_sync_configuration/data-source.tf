variable "connection_id" {
  type        = string
  description = "A storage or manifest connection."
}

# Effective settings of a connection, resolved through its iModel and that iModel's iTwin. Works whether or
# not the connection has a configuration of its own (see `configured`).
data "itwin_sync_configuration" "connection" {
  connection_id = var.connection_id
}

output "connection_has_own_settings" {
  value = data.itwin_sync_configuration.connection.configured
}

output "squash_intermediate_revisions" {
  value = tobool(data.itwin_sync_configuration.connection.resolved_settings["squashIntermediateRevisions"])
}
