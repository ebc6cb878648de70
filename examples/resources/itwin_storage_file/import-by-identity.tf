# Adopt an existing Storage file by its id (Terraform 1.12 and later). The first apply uploads `source` once.
import {
  to = itwin_storage_file.building
  identity = {
    id = "Zb8dmK7eV0aHPl8h5yRzQxA2mW3e7dS3QmR9p0a1B2c"
  }
}
