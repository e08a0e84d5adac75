package mobilenet

import "github.com/livecam/livecam/net/internal/kernelenv"

// KernelPath names the kernel path the models built now run on, and the
// kernels it selects on this machine: the path $LIVECAM_KERNELS names
// (case-insensitive), or the fastest this CPU runs; floatKernel is the
// kernel of float32 models ("avx512"), quantKernel those of uint8 ones,
// pointwise+depthwise ("avx512-vnni+avx512", as tflite's
// Graph.KernelName). err names
// a $LIVECAM_KERNELS of no path this machine runs and the valid names:
// NewModel, NewFoldedModel and NewQuantModel return the same error. The
// package documentation has the table of paths.
func KernelPath() (path, floatKernel, quantKernel string, err error) {
	p, err := kernelenv.Current()
	if err != nil {
		return "", "", "", err
	}
	return p.String(), p.Kernel(kernelenv.Float), p.Kernel(kernelenv.U8Pointwise) + "+" + p.Kernel(kernelenv.U8Depthwise), nil
}

// KernelName names the kernel this model runs on, on this machine: for a
// float32 model its float32 kernel ("avx512", "avx2", "neon" or
// "generic"); for a quantized one its uint8 pointwise kernel
// ("avx512-vnni", "avx2", "neon-dotprod", "neon" or "generic"). The path
// is the one KernelPath gave when the model was built.
func (m *Model) KernelName() string {
	if m.q != nil {
		return m.path.Kernel(kernelenv.U8Pointwise)
	}
	return m.path.Kernel(kernelenv.Float)
}
