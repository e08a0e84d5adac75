// Package tfjs reads and writes MobileNet V1 weights in the TensorFlow.js
// layers format, the one the 16 official variants are published in:
// model.json (a Keras topology and a weightsManifest) and binary shards.
//
//	LoadWeights(dir) -> *mobilenet.Weights   every tensor checked against the architecture
//	Load(dir)        -> *mobilenet.Model     LoadWeights, then mobilenet.NewModel
//	Save(dir, w)                             the inverse, for generated weights
//	ParseManifest(json)                      the shards a model.json lists, for downloaders
//
// Labels are taken from metadata.json or a labels table beside the model,
// or from imagenet_classes.tsv in its parent folder.
//
// # Errors
//
// Every error is a *LoadError naming the file and, where one is at fault,
// the tensor: a missing or truncated shard, a wrong shape or dtype,
// malformed JSON, a NaN or infinite weight, a shard path that leaves the
// model folder, or labels that do not match the class count. Files must be
// regular files (a FIFO or a device is refused without being read) of a
// bounded size.
package tfjs
