package kubernetes_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestManifests parses manifests.yaml: every document is a known kind, the
// subscriber's DRAIN_TIMEOUT stays below its grace period, and both
// Services select the subscriber pods.
func TestManifests(t *testing.T) {
	b, err := os.ReadFile("manifests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type container struct {
		Name      string
		Env       []struct{ Name, Value string }
		Lifecycle struct {
			PreStop struct {
				Sleep struct{ Seconds int }
			} `yaml:"preStop"`
		}
	}
	type doc struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string
		Metadata   struct{ Name string }
		Spec       struct {
			Selector map[string]any
			Template struct {
				Spec struct {
					TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
					Containers                    []container
				}
			}
		}
	}
	kinds := map[string]int{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var d doc
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		kinds[d.Kind]++
		switch d.Kind {
		case "Deployment":
			if d.APIVersion != "apps/v1" {
				t.Fatalf("%s: apiVersion %q", d.Metadata.Name, d.APIVersion)
			}
			grace := time.Duration(d.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
			for _, c := range d.Spec.Template.Spec.Containers {
				sleep := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
				for _, e := range c.Env {
					if e.Name != "DRAIN_TIMEOUT" {
						continue
					}
					if sleep == 0 {
						t.Fatalf("%s: no preStop sleep before the drain", d.Metadata.Name)
					}
					if dt, err := time.ParseDuration(e.Value); err != nil || sleep+dt >= grace {
						t.Fatalf("%s: preStop %v + DRAIN_TIMEOUT %q, grace period %v: the drain must end first", d.Metadata.Name, sleep, e.Value, grace)
					}
				}
			}
		case "Service":
			if d.APIVersion != "v1" || d.Spec.Selector["app"] != "nanoq-sub" {
				t.Fatalf("service %s: %q, selector %v", d.Metadata.Name, d.APIVersion, d.Spec.Selector)
			}
		default:
			t.Fatalf("unexpected kind %q", d.Kind)
		}
	}
	if kinds["Deployment"] != 2 || kinds["Service"] != 2 {
		t.Fatalf("kinds %v, want 2 Deployments and 2 Services", kinds)
	}
	if !strings.Contains(string(b), "clusterIP: None") {
		t.Fatal("no headless Service")
	}
}
