// Package helm tests Berth's Helm chart (deploy/helm/berth) with Helm's own
// Go packages: `helm lint` and `helm template` without a helm binary, so
// that nothing is downloaded when the tests run. It is a module of its own
// so that Helm's Kubernetes dependencies stay out of Berth's.
package helm

import (
	"encoding/base64"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

const chartDir = "berth"

// secretValues are values an operator would give: the secret ones must
// reach the pods only through the Secret.
func secretValues() map[string]any {
	return map[string]any{
		"publicURL":         "https://store.example.org",
		"registryPublicURL": "https://registry.example.org",
		"replicaCount":      3,
		"mongodb":           map[string]any{"uri": "mongodb://berth:mongo-pass-123@db-0.example.org/?replicaSet=rs0"},
		"objectStore": map[string]any{"storage": map[string]any{
			"s3": map[string]any{"bucket": "images-bucket", "region": "eu-west-1", "regionendpoint": "https://s3.example.org"}}},
		"secrets": map[string]any{
			"kek":                 "a2VrLWtlay1rZWstMzItYnl0ZXMtb2YtcmFuZG9tISE=",
			"s3AccessKey":         "AKIA-access-456",
			"s3SecretKey":         "s3-secret-789",
			"stripeSecretKey":     "sk_test_stripe_abc",
			"stripeWebhookSecret": "whsec_stripe_def",
		},
		"resources": map[string]any{"requests": map[string]any{"cpu": "750m", "memory": "300Mi"}, "limits": map[string]any{"memory": "2Gi"}},
	}
}

// secretStrings are the secret values of secretValues.
var secretStrings = []string{"mongo-pass-123", "a2VrLWtlay1rZWstMzItYnl0ZXMtb2YtcmFuZG9tISE=", "AKIA-access-456", "s3-secret-789", "sk_test_stripe_abc", "whsec_stripe_def"}

// render is `helm template` of the chart with vals: file name → manifest.
func render(t *testing.T, vals map[string]any) (map[string]string, error) {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	rv, err := util.ToRenderValues(ch, vals, common.ReleaseOptions{Name: "shop", Namespace: "berth", IsInstall: true}, nil)
	if err != nil {
		t.Fatalf("values: %v", err)
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		return nil, err
	}
	for name, m := range out {
		if strings.TrimSpace(m) == "" || filepath.Ext(name) == ".txt" {
			delete(out, name)
		}
	}
	return out, nil
}

func mustRender(t *testing.T, vals map[string]any) map[string]string {
	t.Helper()
	out, err := render(t, vals)
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	return out
}

// decode parses the manifest of template name in out into v.
func decode(t *testing.T, out map[string]string, name string, v any) {
	t.Helper()
	m, ok := out["berth/templates/"+name]
	if !ok {
		t.Fatalf("no %s rendered; got %v", name, keys(out))
	}
	if err := yaml.UnmarshalStrict([]byte(m), v); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, m)
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestLint(t *testing.T) {
	lint := action.NewLint()
	lint.Strict = true
	lint.Namespace = "berth"
	res := lint.Run([]string{chartDir}, secretValues())
	for _, m := range res.Messages {
		t.Logf("lint: %s", m)
	}
	if len(res.Errors) > 0 || res.TotalChartsLinted != 1 {
		t.Errorf("helm lint --strict: %d charts, errors %v", res.TotalChartsLinted, res.Errors)
	}
	// helm lint only logs a failed `required`; TestSecretsReferencedNotInlined
	// shows that rendering without the key-encryption key stops.
}

func TestDeploymentProbesResourcesAndValues(t *testing.T) {
	out := mustRender(t, secretValues())
	var d appsv1.Deployment
	decode(t, out, "deployment.yaml", &d)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", d.Spec.Replicas)
	}
	c := d.Spec.Template.Spec.Containers[0]
	for _, p := range []struct {
		probe *corev1.Probe
		path  string
	}{{c.LivenessProbe, "/healthz"}, {c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port.String() != "web" {
			t.Errorf("probe %+v, want GET %s on the web port", p.probe, p.path)
		}
	}
	if got := c.Resources.Requests.Cpu().String(); got != "750m" {
		t.Errorf("cpu request %s, want 750m", got)
	}
	if got := c.Resources.Limits.Memory().String(); got != "2Gi" {
		t.Errorf("memory limit %s, want 2Gi", got)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for name, want := range map[string]string{
		"BERTH_PUBLIC_URL":          "https://store.example.org",
		"BERTH_REGISTRY_PUBLIC_URL": "https://registry.example.org",
		"BERTH_REGISTRY_SERVICE":    "registry.example.org",
		"BERTH_REGISTRY_CONFIG":     "/etc/berth/registry.yml",
		"BERTH_ADDR":                "0.0.0.0:8080",
	} {
		if env[name].Value != want {
			t.Errorf("%s = %q, want %q", name, env[name].Value, want)
		}
	}
	for name, key := range map[string]string{
		"BERTH_KEK": "kek", "BERTH_MONGO_URI": "mongodb-uri",
		"REGISTRY_STORAGE_S3_ACCESSKEY": "s3-access-key", "REGISTRY_STORAGE_S3_SECRETKEY": "s3-secret-key",
		"BERTH_STRIPE_SECRET_KEY": "stripe-secret-key", "BERTH_STRIPE_WEBHOOK_SECRET": "stripe-webhook-secret",
	} {
		e := env[name]
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
			e.ValueFrom.SecretKeyRef.Name != "shop-berth" || e.ValueFrom.SecretKeyRef.Key != key {
			t.Errorf("%s = %+v, want a reference to key %s of Secret shop-berth", name, e, key)
		}
	}
	if !hasVolumeMount(c, "/etc/berth") {
		t.Error("the registry config is not mounted at /etc/berth")
	}
}

func hasVolumeMount(c corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath == path {
			return true
		}
	}
	return false
}

// TestSecretsReferencedNotInlined: the secret values are in the Secret,
// base64 as Kubernetes wants, and in no other manifest.
func TestSecretsReferencedNotInlined(t *testing.T) {
	out := mustRender(t, secretValues())
	var s corev1.Secret
	decode(t, out, "secret.yaml", &s)
	if s.Name != "shop-berth" || string(s.Data["mongodb-uri"]) != "mongodb://berth:mongo-pass-123@db-0.example.org/?replicaSet=rs0" ||
		string(s.Data["stripe-secret-key"]) != "sk_test_stripe_abc" || string(s.Data["s3-secret-key"]) != "s3-secret-789" {
		t.Errorf("secret %s holds %v", s.Name, s.Data)
	}
	for name, m := range out {
		if strings.HasSuffix(name, "/secret.yaml") {
			continue
		}
		for _, v := range secretStrings {
			if strings.Contains(m, v) || strings.Contains(m, base64.StdEncoding.EncodeToString([]byte(v))) {
				t.Errorf("%s holds the secret value %q", name, v)
			}
		}
	}

	// With an existing Secret the chart makes none and refers to that one.
	vals := secretValues()
	vals["secrets"] = map[string]any{"existingSecret": "berth-keys"}
	vals["mongodb"] = map[string]any{"uri": ""}
	out = mustRender(t, vals)
	if _, ok := out["berth/templates/secret.yaml"]; ok {
		t.Error("a Secret rendered although secrets.existingSecret names one")
	}
	var d appsv1.Deployment
	decode(t, out, "deployment.yaml", &d)
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != "berth-keys" {
			t.Errorf("%s refers to Secret %s, want berth-keys", e.Name, e.ValueFrom.SecretKeyRef.Name)
		}
	}

	// Neither a Secret nor a key: the render stops, naming the setting.
	vals["secrets"] = map[string]any{}
	if _, err := render(t, vals); err == nil || !strings.Contains(err.Error(), "secrets.kek") {
		t.Errorf("rendering without secrets: %v, want an error naming secrets.kek", err)
	}
}

// TestObjectStoreConfig: the storage values become the storage section of
// the registry config Berth reads, and nothing else does.
func TestObjectStoreConfig(t *testing.T) {
	out := mustRender(t, secretValues())
	var cm corev1.ConfigMap
	decode(t, out, "configmap.yaml", &cm)
	var reg struct {
		Version string
		Storage map[string]map[string]any
	}
	if err := yaml.UnmarshalStrict([]byte(cm.Data["registry.yml"]), &reg); err != nil {
		t.Fatalf("registry.yml: %v\n%s", err, cm.Data["registry.yml"])
	}
	s3 := reg.Storage["s3"]
	if reg.Version != "0.1" || s3["bucket"] != "images-bucket" || s3["region"] != "eu-west-1" ||
		s3["regionendpoint"] != "https://s3.example.org" || s3["rootdirectory"] != "/berth" {
		t.Errorf("registry.yml = %+v", reg)
	}
	if reg.Storage["redirect"]["disable"] != false {
		t.Errorf("redirect = %v, want the default disable: false", reg.Storage["redirect"])
	}
}

func TestServiceAndIngress(t *testing.T) {
	out := mustRender(t, secretValues())
	if _, ok := out["berth/templates/ingress.yaml"]; ok {
		t.Error("an Ingress rendered although ingress.enabled is false")
	}
	var svc corev1.Service
	decode(t, out, "service.yaml", &svc)
	ports := map[string]int32{}
	for _, p := range svc.Spec.Ports {
		ports[p.Name] = p.Port
	}
	if ports["web"] != 8080 || ports["registry"] != 5000 || svc.Spec.Selector["app.kubernetes.io/instance"] != "shop" {
		t.Errorf("service ports %v selector %v", ports, svc.Spec.Selector)
	}

	vals := secretValues()
	vals["ingress"] = map[string]any{"enabled": true, "className": "nginx"}
	out = mustRender(t, vals)
	var ing networkingv1.Ingress
	decode(t, out, "ingress.yaml", &ing)
	hosts := map[string]string{}
	for _, r := range ing.Spec.Rules {
		hosts[r.Host] = r.HTTP.Paths[0].Backend.Service.Port.Name
	}
	if hosts["store.example.org"] != "web" || hosts["registry.example.org"] != "registry" || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingress rules %v class %v; want the store's host to web and the registry's to registry", hosts, ing.Spec.IngressClassName)
	}
}
