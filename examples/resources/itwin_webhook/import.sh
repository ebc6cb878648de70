# Import a webhook by id. The API never returns the secret of an existing webhook: after the import `secret` is
# null; set secret_wo and secret_wo_version to send a secret you know.
terraform import itwin_webhook.sync e6989b43-53ab-45e2-a610-560c6f7e879e
