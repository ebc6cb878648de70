# Adopt an existing webhook by its id (Terraform 1.12 and later).
import {
  to = itwin_webhook.sync
  identity = {
    id = "e6989b43-53ab-45e2-a610-560c6f7e879e"
  }
}
