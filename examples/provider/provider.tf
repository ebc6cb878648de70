terraform {
  required_version = ">= 1.11"
  required_providers {
    itwin = {
      source = "seed37c7dd03/itwin"
    }
  }
}

variable "itwin_client_id" {
  type        = string
  description = "Client id of the service application (or set ITWIN_CLIENT_ID and leave this out)."
}

variable "itwin_client_secret" {
  type        = string
  sensitive   = true
  description = "Client secret of the service application (or set ITWIN_CLIENT_SECRET)."
}

# Client credentials against api.bentley.com. For itwin-local, set api_url = "http://127.0.0.1:8085"
# (or ITWIN_API_URL); token_url then defaults to the local token endpoint.
provider "itwin" {
  client_id     = var.itwin_client_id
  client_secret = var.itwin_client_secret
  scopes        = ["itwin-platform"]

  max_retries     = 5
  request_timeout = "60s"
}
