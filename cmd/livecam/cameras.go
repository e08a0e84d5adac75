package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/livecam/livecam/cameras"
	"github.com/livecam/livecam/internal/cliflag"
	"github.com/livecam/livecam/internal/mainjob"
)

// camerasOf returns the cameras of a multi-camera run: from -config (with
// the file, for the lines of its errors), or from NAME=SOURCE sources;
// nil for an ordinary run. The file's settings apply where the command
// line did not set the flag.
func camerasOf(fs *cliflag.Set, f *mainjob.Settings) ([]cameras.Camera, *cameras.Config, error) {
	if f.Config == "" {
		cams, _, err := cameras.FromSources(f.Sources) // nil when none is named
		if err != nil {
			return nil, nil, fmt.Errorf("%w: -source: %v", errUsage, err)
		}
		return cams, nil, nil
	}
	if len(f.Sources) > 0 {
		return nil, nil, fmt.Errorf("%w: -config lists the cameras: give no -source with it", errUsage)
	}
	file, err := cameras.Load(f.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err) // the file, the line, the key
	}
	return file.Cameras, file, applyConfig(fs, f, file)
}

// inFile names the cameras file, the line and the key in err where it is
// about a camera's own setting (a *mainjob.CameraError: "cams.yaml: line
// 7: camera door: allow[0]: ...") or a flag whose value the file gave
// ("-mqtt-ca: ..." as "cams.yaml: line 4: mqtt.ca: ..."): never a flag
// the file's user did not give.
func inFile(err error, fs *cliflag.Set, f *mainjob.Settings, file *cameras.Config) error {
	if file == nil {
		return err
	}
	if ce := (*mainjob.CameraError)(nil); errors.As(err, &ce) {
		return fmt.Errorf("%w: %s: line %d: %v", errUsage, f.Config, file.Line(ce.Path()), ce)
	}
	names := map[string]string{}
	for _, s := range configStrings(f, file) {
		key := cmp.Or(map[string]string{"mqtt": "mqtt.broker", "nats": "nats.url"}[s.flag], strings.ReplaceAll(strings.Replace(s.flag, "mqtt-", "mqtt.", 1), "-", "_"))
		if !isSet(fs, s.flag) && s.value != "" {
			names[s.flag] = fmt.Sprintf("%s: line %d: %s", f.Config, file.Line("$."+key), key)
		}
	}
	return cliflag.Renamed(err, names)
}

// applyConfig gives f the run-wide settings of a -config file where the
// command line did not set the flag.
func applyConfig(fs *cliflag.Set, f *mainjob.Settings, file *cameras.Config) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for _, s := range configStrings(f, file) {
		if !set[s.flag] && s.value != "" {
			*s.dst = s.value
		}
	}
	if !set["out-dir"] && file.OutDir != "" { // named as in the file, not as -out-dir
		if _, err := mainjob.MakeOutDir(file.OutDir, fmt.Sprintf("%s: line %d: out_dir", f.Config, file.Line("$.out_dir"))); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	if file.Workers != nil && !set["workers"] {
		f.Workers = *file.Workers
	}
	if m := file.MQTT; m != nil && !set["mqtt-results"] {
		f.MQTTResults = f.MQTTResults || m.Results
	}
	if n := file.NATS; n != nil && !set["nats-results"] {
		f.NATSResults = f.NATSResults || n.Results
	}
	return nil
}

// configString is a string flag a -config file may set: the flag, where
// its value goes, and the file's value ("" when the file has none).
type configString struct {
	flag  string
	dst   *string
	value string
}

// configStrings pairs the string flags a -config file may set with the
// file's values.
func configStrings(f *mainjob.Settings, file *cameras.Config) []configString {
	m, n := cmp.Or(file.MQTT, &cameras.MQTT{}), cmp.Or(file.NATS, &cameras.NATS{})
	return []configString{
		{"model", &f.Model, file.Model}, {"serve", &f.Serve, file.Serve}, {"out-dir", &f.OutDir, file.OutDir},
		{"mqtt", &f.MQTT, m.Broker}, {"mqtt-prefix", &f.MQTTPrefix, m.Prefix}, {"mqtt-user", &f.MQTTUser, m.User},
		{"mqtt-password-file", &f.MQTTPasswordFile, m.PasswordFile}, {"mqtt-discovery", &f.MQTTDiscovery, m.Discovery},
		{"mqtt-ca", &f.MQTTCA, m.CA}, {"mqtt-cert", &f.MQTTCert, m.Cert}, {"mqtt-key", &f.MQTTKey, m.Key},
		{"nats", &f.NATS, n.URL},
	}
}

// checkCameraFlags refuses the flags that name one output for a
// multi-camera run: each camera's outputs come from -out-dir or the file.
func checkCameraFlags(f *mainjob.Settings) error {
	return checkFlags(f, f.OutDir != "", 5, "%w: %s names one output, and there are several cameras: use -out-dir, or out/results/events per camera in -config")
}

// checkOutDirFlags refuses the flags that name one source's outputs, or
// that only make sense for one, beside -out-dir; and creates -out-dir
// (mainjob.MakeOutDir).
func checkOutDirFlags(f *mainjob.Settings) error {
	return checkFlags(f, true, 7, "%w: %s cannot be used with -out-dir (each source's outputs are named after it)")
}

// checkFlags refuses the first of f's flags that name one source's
// outputs (-out, -results, -events, -report, -display, then -serve and
// -loop: the first n of them) with the message format, and then, when
// checkDir, makes sure -out-dir is a folder (mainjob.MakeOutDir).
func checkFlags(f *mainjob.Settings, checkDir bool, n int, format string) error {
	for _, name := range []struct {
		set  bool
		flag string
	}{{f.Out != "", "-out"}, {f.Results != "", "-results"}, {f.Events != "", "-events"}, {f.Report != "", "-report"}, {f.Display, "-display"}, {f.Serve != "", "-serve"}, {f.Loop, "-loop"}}[:n] {
		if name.set {
			return fmt.Errorf(format, errUsage, name.flag)
		}
	}
	if !checkDir {
		return nil
	}
	if _, err := mainjob.MakeOutDir(f.OutDir, "-out-dir"); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
