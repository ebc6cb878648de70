# Adopt an existing manifest connection by its id (Terraform 1.12 and later).
import {
  to = itwin_sync_manifest_connection.plant_a_docs
  identity = {
    id = "uTqD9h2o4Cw8YpR1ZkZr3mJw0bXlq6mR4n5Kc7pQ2sA"
  }
}
