package provider

import (
	"bytes"
	"testing"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/itwinlocaltest"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// testClient returns an API client for the given itwin-local instance, so tests can arrange or change remote
// objects outside Terraform (uploads, drift, conflicts).
func testClient(t *testing.T, inst *itwinlocaltest.Instance) *itwin.Client {
	t.Helper()
	c, err := itwin.NewClient(t.Context(), itwin.Config{
		APIURL:         inst.URL,
		TokenURL:       inst.URL + "/connect/token",
		ClientID:       inst.ClientID,
		ClientSecret:   inst.ClientSecret,
		Scopes:         []string{"itwin-platform"},
		MaxRetries:     2,
		RequestTimeout: 30 * time.Second,
		UserAgent:      "terraform-provider-itwin/test",
	})
	if err != nil {
		t.Fatalf("creating test client: %v", err)
	}
	return c
}

// testUploadFile uploads a small file named name into the instance's Storage root folder and returns its id.
func testUploadFile(t *testing.T, c *itwin.Client, inst *itwinlocaltest.Instance, name, content string) string {
	t.Helper()
	f, err := c.UploadFile(t.Context(), inst.RootFolderID, wire.StorageItemCreate{DisplayName: name},
		bytes.NewReader([]byte(content)), int64(len(content)))
	if err != nil {
		t.Fatalf("uploading %s: %v", name, err)
	}
	return f.ID
}
