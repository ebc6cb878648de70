variable "connection_id" {
  type        = string
  description = "Storage or manifest connection."
}

# The five most recent runs, newest first.
data "itwin_sync_runs" "history" {
  connection_id = var.connection_id
  limit         = 5
}

output "recent_results" {
  value = [for r in data.itwin_sync_runs.history.runs : "${r.started_at} ${r.result}"]
}
