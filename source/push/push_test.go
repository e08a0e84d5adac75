package push

import (
	"errors"
	"image"
	"image/color"
	"io"
	"testing"
	"time"

	"gocv.io/x/gocv"

	"github.com/livecam/livecam/pipeline"
)

// readPixel reads the next frame and returns its pixel (x, y) as B, G, R
// with the frame's stamp.
func readPixel(t *testing.T, p *Source, x, y int) ([3]uint8, time.Duration) {
	t.Helper()
	m := gocv.NewMat()
	defer m.Close()
	fr, err := p.Read(&m)
	if err != nil {
		t.Fatal(err)
	}
	v := m.GetVecbAt(y, x)
	return [3]uint8{v[0], v[1], v[2]}, fr.PTS
}

// TestColourOrder pushes pure red through every push method: OpenCV's
// frame must hold it as B=0, G=0, R=255 (within the rounding of YUV).
func TestColourOrder(t *testing.T) {
	const w, h = 4, 2
	red := color.RGBA{255, 0, 0, 255}
	rgb := make([]byte, w*h*3)
	for i := 0; i < len(rgb); i += 3 {
		rgb[i] = 255
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	ycc := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			rgba.Set(x, y, red)
			nrgba.Set(x, y, red)
		}
	}
	yy, cb, cr := color.RGBToYCbCr(255, 0, 0)
	for i := range ycc.Y {
		ycc.Y[i] = yy
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = cb, cr
	}
	bgrMat := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(0, 0, 255, 0), h, w, gocv.MatTypeCV8UC3)
	defer bgrMat.Close()
	// Video-range BT.601 red in NV12 and I420.
	nv12 := make([]byte, w*h*3/2)
	i420 := make([]byte, w*h*3/2)
	for i := 0; i < w*h; i++ {
		nv12[i], i420[i] = 81, 81
	}
	for i := w * h; i < len(nv12); i += 2 {
		nv12[i], nv12[i+1] = 90, 240
	}
	for i := 0; i < w*h/4; i++ {
		i420[w*h+i], i420[w*h+w*h/4+i] = 90, 240
	}
	p, err := New("test", w, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ts := time.Duration(0)
	for name, push := range map[string]func(time.Duration) error{
		"PushRGB":         func(ts time.Duration) error { return p.PushRGB(rgb, ts) },
		"PushImage RGBA":  func(ts time.Duration) error { return p.PushImage(rgba, ts) },
		"PushImage NRGBA": func(ts time.Duration) error { return p.PushImage(nrgba, ts) },
		"PushImage YCbCr": func(ts time.Duration) error { return p.PushImage(ycc, ts) },
		"PushMat":         func(ts time.Duration) error { return p.PushMat(bgrMat, ts) },
		"PushNV12":        func(ts time.Duration) error { return p.PushNV12(nv12, ts) },
		"PushI420":        func(ts time.Duration) error { return p.PushI420(i420, ts) },
	} {
		ts += 42 * time.Millisecond
		if err := push(ts); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		px, pts := readPixel(t, p, w-1, h-1)
		if px[0] > 3 || px[1] > 3 || px[2] < 250 {
			t.Errorf("%s: red arrived as B,G,R = %v", name, px)
		}
		if pts != ts {
			t.Errorf("%s: stamp %v, want the caller's %v", name, pts, ts)
		}
	}
}

func TestWrongSizesRefused(t *testing.T) {
	p, _ := New("test", 4, 2, 0)
	defer p.Close()
	for name, err := range map[string]error{
		"RGB":   p.PushRGB(make([]byte, 5), 0),
		"image": p.PushImage(image.NewRGBA(image.Rect(0, 0, 3, 2)), 0),
		"NV12":  p.PushNV12(make([]byte, 11), 0),
	} {
		if !errors.Is(err, ErrFrame) {
			t.Errorf("%s of the wrong size: %v", name, err)
		}
	}
	if _, err := New("odd", 0, 5, 0); err == nil {
		t.Error("a 0x5 source was made")
	}
}

// TestInterruptAndClose: Interrupt wakes a Read nobody pushes to; Close
// hands over the pending frame, then io.EOF, and refuses pushes.
func TestInterruptAndClose(t *testing.T) {
	p, _ := New("test", 4, 2, 0)
	m := gocv.NewMat()
	defer m.Close()
	done := make(chan error, 1)
	go func() { _, err := p.Read(&m); done <- err }()
	waitUntil(t, "Read to wait for a frame", func() bool { return p.readers() == 1 })
	p.Interrupt()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an interrupted Read returned a frame")
		}
	case <-time.After(time.Second):
		t.Fatal("Interrupt did not wake Read")
	}
	p2, _ := New("test", 4, 2, 0)
	p2.PushRGB(make([]byte, 24), time.Second)
	p2.Close()
	if _, err := p2.Read(&m); err != nil {
		t.Fatalf("the frame pending at Close was lost: %v", err)
	}
	if _, err := p2.Read(&m); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
	if err := p2.PushRGB(make([]byte, 24), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("push after Close: %v", err)
	}
	p.Close()
}

// TestPushAllocatesNothing: after the first push, pushing a camera's
// *image.YCbCr or NV12 frame allocates nothing.
func TestPushAllocatesNothing(t *testing.T) {
	p, _ := New("test", 64, 48, 0)
	defer p.Close()
	ycc := image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420)
	nv12 := make([]byte, 64*48*3/2)
	p.PushNV12(nv12, 0)
	ts := time.Duration(0)
	for name, f := range map[string]func(){
		"YCbCr": func() {
			ts++
			if err := p.PushImage(ycc, ts); err != nil {
				t.Fatal(err)
			}
		},
		"NV12": func() {
			ts++
			if err := p.PushNV12(nv12, ts); err != nil {
				t.Fatal(err)
			}
		},
	} {
		if a := testing.AllocsPerRun(50, f); a != 0 {
			t.Errorf("%s: %v allocations per push", name, a)
		}
	}
}

// BenchmarkPushYCbCr720p is the cost of handing livecam a decoded JPEG or
// camera frame: 1280x720 4:2:0 to BGR.
func BenchmarkPushYCbCr720p(b *testing.B) {
	p, _ := New("bench", 1280, 720, 0)
	defer p.Close()
	img := image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = byte(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := p.PushImage(img, time.Duration(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPushNV12_720p: the same frame as a V4L2 camera hands it over.
func BenchmarkPushNV12_720p(b *testing.B) {
	p, _ := New("bench", 1280, 720, 0)
	defer p.Close()
	nv12 := make([]byte, 1280*720*3/2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := p.PushNV12(nv12, time.Duration(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// readers and pushers count the Reads waiting for a frame and the VIDEO
// pushes waiting for room.
func (p *Source) readers() int { p.mu.Lock(); defer p.mu.Unlock(); return p.waiting }
func (p *Source) pushers() int { p.mu.Lock(); defer p.mu.Unlock(); return p.pushing }

// waitUntil waits for cond, for at most 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// pushAsync pushes a frame stamped ts from another goroutine; the
// channel gets the push's error.
func pushAsync(p *Source, ts time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.PushRGB(make([]byte, p.info.Width*p.info.Height*3), ts) }()
	return done
}

// returned reports whether the push behind done has returned.
func returned(done <-chan error) bool { return len(done) > 0 }

// result waits, for at most 10 s, for the error of the push behind done.
func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the push still waits 10 s later")
		return nil
	}
}

// TestVideoWaitsForRoom: in VIDEO mode a push waits while the frame
// before it is unread, then goes in; no frame is replaced, every one is
// read, in order.
func TestVideoWaitsForRoom(t *testing.T) {
	p, err := NewVideo("video", 4, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Info().Live {
		t.Fatal("a VIDEO source says it is live")
	}
	if err := result(t, pushAsync(p, time.Second)); err != nil {
		t.Fatal(err)
	}
	second := pushAsync(p, 2*time.Second)
	waitUntil(t, "the second push to wait for room", func() bool { return p.pushers() == 1 })
	if returned(second) {
		t.Fatalf("the second push returned (%v) with the first frame unread", result(t, second))
	}
	if _, pts := readPixel(t, p, 0, 0); pts != time.Second {
		t.Fatalf("first frame read: %v", pts)
	}
	if err := result(t, second); err != nil {
		t.Fatal(err)
	}
	if _, pts := readPixel(t, p, 0, 0); pts != 2*time.Second {
		t.Fatalf("second frame read: %v", pts)
	}
	if n := p.Replaced(); n != 0 {
		t.Errorf("%d frames replaced in VIDEO mode", n)
	}
}

// TestVideoPushEnds: a VIDEO push waiting for room returns ErrStopped
// when the pipeline stops reading (Interrupt), and so does every later
// one; one waiting when the source closes returns ErrClosed, and the
// frame pending is still read.
func TestVideoPushEnds(t *testing.T) {
	p, _ := NewVideo("video", 4, 2, 0)
	defer p.Close()
	if err := result(t, pushAsync(p, 1)); err != nil {
		t.Fatal(err)
	}
	waiting := pushAsync(p, 2)
	waitUntil(t, "the push to wait", func() bool { return p.pushers() == 1 })
	p.Interrupt()
	if err := result(t, waiting); !errors.Is(err, ErrStopped) {
		t.Fatalf("a push waiting when the pipeline stopped: %v, want ErrStopped", err)
	}
	if err := result(t, pushAsync(p, 3)); !errors.Is(err, ErrStopped) {
		t.Fatalf("a push after the pipeline stopped: %v, want ErrStopped", err)
	}

	c, _ := NewVideo("video", 4, 2, 0)
	if err := result(t, pushAsync(c, 1)); err != nil {
		t.Fatal(err)
	}
	waiting = pushAsync(c, 2)
	waitUntil(t, "the push to wait", func() bool { return c.pushers() == 1 })
	c.Close()
	if err := result(t, waiting); !errors.Is(err, ErrClosed) {
		t.Fatalf("a push waiting when the source closed: %v, want ErrClosed", err)
	}
	if _, pts := readPixel(t, c, 0, 0); pts != 1 {
		t.Fatalf("the frame pending at Close: %v", pts)
	}
	m := gocv.NewMat()
	defer m.Close()
	if _, err := c.Read(&m); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

// TestSetLive: a VIDEO source made live replaces frames again, and a
// push waiting for room then goes in at once.
func TestSetLive(t *testing.T) {
	p, _ := NewVideo("video", 4, 2, 0)
	defer p.Close()
	if err := result(t, pushAsync(p, 1)); err != nil {
		t.Fatal(err)
	}
	waiting := pushAsync(p, 2)
	waitUntil(t, "the push to wait", func() bool { return p.pushers() == 1 })
	p.SetLive(true)
	if err := result(t, waiting); err != nil {
		t.Fatal(err)
	}
	if !p.Info().Live || p.Replaced() != 1 {
		t.Fatalf("live %v, replaced %d: want true, 1", p.Info().Live, p.Replaced())
	}
	if _, pts := readPixel(t, p, 0, 0); pts != 2 {
		t.Fatalf("read the frame stamped %v, want the newest, 2", pts)
	}
}

// TestTimestampsIncrease: a push stamped at or before the frame before it
// is refused with an error naming both times, and changes nothing.
func TestTimestampsIncrease(t *testing.T) {
	for _, video := range []bool{false, true} {
		p, _ := New("cam", 4, 2, 0)
		if video {
			p, _ = NewVideo("cam", 4, 2, 0)
		}
		rgb := make([]byte, 4*2*3)
		if err := p.PushRGB(rgb, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		// The frame at 10s is still unread: in VIDEO mode the refused
		// pushes below must not wait for room first.
		for _, ts := range []time.Duration{5 * time.Second, 10 * time.Second} {
			err := p.PushRGB(rgb, ts)
			var te *pipeline.TimestampError
			if !errors.As(err, &te) || te.PTS != ts || te.Previous != 10*time.Second {
				t.Fatalf("video %v: push at %v after 10s: %v, want a TimestampError", video, ts, err)
			}
			want := "push: cam: timestamp " + ts.String() + " is not after the previous frame's 10s"
			if err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
		}
		if video {
			if _, pts := readPixel(t, p, 0, 0); pts != 10*time.Second {
				t.Errorf("read %v, want 10s", pts)
			}
		}
		if err := p.PushRGB(rgb, 11*time.Second); err != nil {
			t.Fatal(err)
		}
		if _, pts := readPixel(t, p, 0, 0); pts != 11*time.Second {
			t.Errorf("video %v: read %v, want 11s", video, pts)
		}
		if n := p.Replaced(); !video && n != 1 {
			t.Errorf("%d frames replaced, want 1 (10s by 11s; the refused ones are not frames)", n)
		}
		p.Close()
	}
}

// TestLaterPushGotInFirst: two VIDEO pushes race for the room a Read
// makes; the one stamped later gets in first, so the one stamped earlier,
// which was checked against the frame before and then waited, must be
// refused when it finally has room, with a TimestampError naming the
// later frame's time. The race is played out in a fixed order: the
// earlier push's wait for room is a handshake with the test.
func TestLaterPushGotInFirst(t *testing.T) {
	p, _ := NewVideo("cam", 4, 2, 0)
	defer p.Close()
	rgb := make([]byte, 4*2*3)
	if err := p.PushRGB(rgb, 1*time.Second); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan time.Duration)
	proceed := make(chan struct{})
	p.waitRoom = func(pts time.Duration) { // in place of cond.Wait
		p.mu.Unlock()
		waiting <- pts
		<-proceed
		p.mu.Lock()
	}
	early := pushAsync(p, 2*time.Second) // checked against 1s: fine, waits for room
	if pts := <-waiting; pts != 2*time.Second {
		t.Fatalf("the push stamped %v waits, want 2s", pts)
	}
	if _, pts := readPixel(t, p, 0, 0); pts != time.Second { // room
		t.Fatalf("read %v, want 1s", pts)
	}
	// The later push gets the room first.
	if err := p.PushRGB(rgb, 3*time.Second); err != nil {
		t.Fatal(err)
	}
	proceed <- struct{}{} // the earlier push wakes to find no room,
	<-waiting             // waits again,
	if _, pts := readPixel(t, p, 0, 0); pts != 3*time.Second {
		t.Fatalf("read %v, want 3s", pts)
	}
	proceed <- struct{}{} // and now has room.
	err := result(t, early)
	var te *pipeline.TimestampError
	if !errors.As(err, &te) || te.PTS != 2*time.Second || te.Previous != 3*time.Second {
		t.Fatalf("the push stamped 2s after the one stamped 3s got in: %v, want a TimestampError naming both", err)
	}
	p.waitRoom = nil
	if err := p.PushRGB(rgb, 4*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, pts := readPixel(t, p, 0, 0); pts != 4*time.Second {
		t.Errorf("after the refused push: read %v, want 4s", pts)
	}
}

// TestNilImageRefused: a nil image, or a nil *image.RGBA, is refused
// with ErrFrame, not a panic.
func TestNilImageRefused(t *testing.T) {
	p, _ := New("cam", 4, 2, 0)
	defer p.Close()
	for name, img := range map[string]image.Image{"nil": nil, "nil *image.RGBA": (*image.RGBA)(nil), "nil *image.YCbCr": (*image.YCbCr)(nil)} {
		if err := p.PushImage(img, time.Second); !errors.Is(err, ErrFrame) {
			t.Errorf("%s: %v, want ErrFrame", name, err)
		}
	}
	if err := p.PushRGB(make([]byte, 24), time.Second); err != nil {
		t.Errorf("a push after the refused ones: %v", err)
	}
}
