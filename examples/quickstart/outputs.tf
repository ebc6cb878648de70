locals {
  run = itwin_sync_storage_connection_run.quickstart
}

output "imodel_id" {
  description = "The iModel the files were synchronized into."
  value       = itwin_imodel.quickstart.id
}

output "run_id" {
  description = "The synchronization run. It changes only when a new run was started."
  value       = local.run.id
}

output "run_result" {
  description = "Result of the run: Success, PartialSuccess, ..."
  value       = local.run.result
}

output "file_results" {
  description = "Result of each file's task, by file name."
  value       = { for t in local.run.tasks : coalesce(t.file_name, t.id) => t.result }
}

output "changesets" {
  description = "Descriptions of the changesets the run pushed, in index order (empty when nothing changed)."
  value       = [for c in local.run.changesets : c.description]
}

# A human-readable report: one line per file with its result and the changesets its task pushed.
output "summary" {
  description = "The run and, per file, its result and the changesets it pushed."
  value = join("\n", concat(
    [format("run %s: %s in %.1f s, %d changeset(s) pushed", local.run.id, local.run.result, local.run.duration_seconds, length(local.run.changesets))],
    [for t in local.run.tasks : format("  %-14s %-10s %-8s %s", coalesce(t.file_name, t.id), t.connector_type, t.result, join("; ", concat(
      [for c in local.run.changesets : format("changeset #%d: %s", c.index, c.description) if c.task_id == t.id],
      length([for c in local.run.changesets : c if c.task_id == t.id]) == 0 ? ["no changes"] : [],
    )))],
  ))
}

output "webhook_id" {
  description = "The webhook reporting the runs (null when webhook_callback_url is unset)."
  value       = one(itwin_webhook.quickstart[*].id)
}

output "webhook_secret" {
  description = "The secret the service generated for the webhook: deliveries carry Signature: sha256=<hex HMAC-SHA256 of the body> keyed with it."
  value       = one(itwin_webhook.quickstart[*].secret)
  sensitive   = true
}
