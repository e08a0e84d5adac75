package cliflag

import "regexp"

// flagInText is a flag's name as the subject of a message or of a part
// of it: -NAME at the start or after ": " ("usage: -mqtt-ca: ..."), not
// in advice ("or pass -model DIR") nor inside a word ("non-empty").
var flagInText = regexp.MustCompile(`(^|: )-([a-z][a-z0-9-]*[a-z0-9]|[a-z])\b`)

// Renamed returns err with each flag -NAME that its message is about
// (flagInText) replaced by names[NAME]: where the flag's value came from instead, for
// a user who never gave the flag ("cameras.yaml: line 3:
// mqtt.password_file" for -mqtt-password-file). errors.Is and errors.As
// still see err; a message that names none of them returns err itself.
func Renamed(err error, names map[string]string) error {
	if err == nil || len(names) == 0 {
		return err
	}
	msg := flagInText.ReplaceAllStringFunc(err.Error(), func(m string) string {
		sub := flagInText.FindStringSubmatch(m)
		if to, ok := names[sub[2]]; ok {
			return sub[1] + to
		}
		return m
	})
	if msg == err.Error() {
		return err
	}
	return &renamed{err, msg}
}

// renamed is an error told in other words.
type renamed struct {
	err error
	msg string
}

func (r *renamed) Error() string { return r.msg }
func (r *renamed) Unwrap() error { return r.err }
