package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestAccStorageFileURLEphemeral(t *testing.T) {
	inst, providerCfg := startLocal(t)
	client := testClient(t, inst)
	content := "ISO-10303-21;\nHEADER;\nENDSEC;\nEND-ISO-10303-21;\n"
	fileID := testUploadFile(t, client, inst, "tower.ifc", content)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			"itwin": providerserver.NewProtocol6WithError(New("test")()),
			"echo":  echoprovider.NewProviderServer(),
		},
		Steps: []resource.TestStep{
			// An unknown file: a clear error on file_id (first, so the post-test destroy uses the valid configuration).
			{
				Config: providerCfg + `
ephemeral "itwin_storage_file_url" "u" {
  file_id = "no-such-file"
}

provider "echo" {
  data = ephemeral.itwin_storage_file_url.u
}

resource "echo" "test" {}
`,
				ExpectError: regexp.MustCompile(`Storage\s+file\s+not\s+found`),
			},
			{
				Config: providerCfg + fmt.Sprintf(`
ephemeral "itwin_storage_file_url" "u" {
  file_id = %q
}

provider "echo" {
  data = ephemeral.itwin_storage_file_url.u
}

resource "echo" "test" {}
`, fileID),
				Check: func(s *terraform.State) error {
					echo, ok := s.RootModule().Resources["echo.test"]
					if !ok {
						return fmt.Errorf("echo.test is not in the state")
					}
					url := echo.Primary.Attributes["data.url"]
					if !strings.HasPrefix(url, inst.URL) {
						return fmt.Errorf("data.url = %q, want a URL on %s", url, inst.URL)
					}
					if got := echo.Primary.Attributes["data.file_id"]; got != fileID {
						return fmt.Errorf("data.file_id = %q", got)
					}
					exp, err := time.Parse(time.RFC3339, echo.Primary.Attributes["data.expires_at"])
					if err != nil || !exp.After(time.Now()) {
						return fmt.Errorf("data.expires_at = %q should be a future RFC 3339 time", echo.Primary.Attributes["data.expires_at"])
					}
					// Only the echo test resource may hold the URL: nothing of ours stores it.
					for addr, rs := range s.RootModule().Resources {
						if addr == "echo.test" {
							continue
						}
						for k, v := range rs.Primary.Attributes {
							if strings.Contains(v, url) {
								return fmt.Errorf("the pre-signed URL leaked into %s.%s", addr, k)
							}
						}
					}
					// The URL is pre-authenticated: a plain GET without a token returns the file's bytes.
					got, err := httpGetBytes(t.Context(), url)
					if err != nil {
						return err
					}
					if string(got) != content {
						return fmt.Errorf("downloaded %q, want %q", got, content)
					}
					return nil
				},
			},
		},
	})
}
