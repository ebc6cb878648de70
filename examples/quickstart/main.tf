# Quickstart: a whole synchronization environment in one configuration. It creates an iModel, a Storage folder
# with two sample design files (an IFC building and a GeoJSON site layout, in files/), a storage connection that
# maps them to the IFC and GEOSPATIAL connectors, a connection-level configuration, and one synchronization run.
# Edit a file and apply again: the run is replaced and only the difference is pushed to the iModel.
#
# The provider reads its settings from the environment, so this directory holds no secrets:
#   ITWIN_CLIENT_ID, ITWIN_CLIENT_SECRET  a service application's client credentials
#   ITWIN_API_URL                         e.g. http://127.0.0.1:8085 for itwin-local (default: api.bentley.com)
terraform {
  required_providers {
    itwin = {
      source = "seed37c7dd03/itwin"
    }
  }
}

provider "itwin" {}

locals {
  # The sample files ship next to this configuration; files_dir points the quickstart at a copy of them.
  files_dir = coalesce(var.files_dir, "${path.module}/files")
}

resource "itwin_imodel" "quickstart" {
  itwin_id    = var.itwin_id
  name        = var.imodel_name
  description = "Created by the terraform-provider-itwin quickstart"
}

# A folder in the root of the iTwin's Storage for the design files.
resource "itwin_storage_folder" "quickstart" {
  itwin_id     = var.itwin_id
  display_name = var.folder_name
  description  = "Design files synchronized into ${var.imodel_name}"
}

# The uploads. source_hash is the SHA-256 of the local file, computed at plan time: editing a file plans an
# in-place content update, and the run below sees the new hash in the same plan.
resource "itwin_storage_file" "building" {
  folder_id   = itwin_storage_folder.quickstart.id
  source      = "${local.files_dir}/building.ifc"
  description = "Riverside Pavilion: walls, a door, a window and a slab (IFC4)"
}

resource "itwin_storage_file" "site" {
  folder_id   = itwin_storage_folder.quickstart.id
  source      = "${local.files_dir}/site.geojson"
  description = "Riverside site layout: parcels, roads, paths and trees (GeoJSON)"
}

# Links the files to the iModel, each with the connector that reads it. "Service" runs as the service
# application, so no user has to give consent first.
resource "itwin_sync_storage_connection" "quickstart" {
  imodel_id           = itwin_imodel.quickstart.id
  display_name        = var.connection_name
  authentication_type = "Service"

  source_files = [
    { storage_file_id = itwin_storage_file.building.id, connector_type = "IFC" },
    { storage_file_id = itwin_storage_file.site.id, connector_type = "GEOSPATIAL" },
  ]
}

# A connection-level setting, to show scoped configuration. The sample files have no sheets or drawings, so it
# changes nothing here; unset settings inherit from the iModel and iTwin levels.
resource "itwin_sync_configuration" "quickstart" {
  connection_id              = itwin_sync_storage_connection.quickstart.id
  enable_sheets_and_drawings = true
}

# Optional: a webhook that POSTs a signed event when the run completes (synchronization.jobCompleted.v1) and one
# per changeset it pushes (iModels.changesReady.v1). Created only when webhook_callback_url is set. The service
# generates the signing secret; the sensitive output webhook_secret hands it to your receiver.
resource "itwin_webhook" "quickstart" {
  count = var.webhook_callback_url == null ? 0 : 1

  scope        = "iTwin"
  itwin_id     = var.itwin_id
  callback_url = var.webhook_callback_url
  event_types  = ["synchronization.jobCompleted.v1", "iModels.changesReady.v1"]
}

# One synchronization run. It is replaced (a new run) when a trigger changes: keyed on the files' plan-time
# hashes, an edited file re-runs in the same apply that uploads it. rerun_on_source_change also re-runs when the
# files change in Storage outside Terraform. A plan with no change starts no run.
resource "itwin_sync_storage_connection_run" "quickstart" {
  connection_id = itwin_sync_storage_connection.quickstart.id

  triggers = {
    building = itwin_storage_file.building.source_hash
    site     = itwin_storage_file.site.source_hash
  }
  rerun_on_source_change = true

  # A run uses the settings in force when it starts, and reports to the webhook only if it exists by then.
  depends_on = [itwin_sync_configuration.quickstart, itwin_webhook.quickstart]

  timeouts = {
    create = var.run_timeout
  }
}
