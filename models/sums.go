package models

// labelsSums holds the SHA-256 of the TFLite models' labels files
// (Variant.Labels) as published with them.
var labelsSums = map[string]string{
	QuantLabels:  "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1",
	DetectLabels: "c7e79c855f73cbba9f33d649d60e1676eb0a974021a41696d1ac0d4b7f7e0211",
}

// sha256Sums holds the SHA-256 of every file of mobilenet_v1_0.75_224 and
// of the quantized variants' model files as published, computed from the
// copies in the project's shared test data (whose README gives the same
// sums and where each file comes from).
var sha256Sums = map[string]map[string]string{
	// Google's quantized classifiers, as Coral's test data publishes them
	// (commit 104342d2d3480b3e66203073dac24f4e2dbb4c41).
	"mobilenet_v1_0.25_128_quant": {"mobilenet_v1_0.25_128_quant.tflite": "cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785"},
	"mobilenet_v1_0.5_160_quant":  {"mobilenet_v1_0.5_160_quant.tflite": "3cc6d2ca460abd2e0f699a6d0d2550c6b61c6e3b0e27a3616e384ea74cb86f43"},
	"mobilenet_v1_0.75_192_quant": {"mobilenet_v1_0.75_192_quant.tflite": "41daeb22fdcf947e0e5ec32373aa9df7c31f3ef45dbd0ef7b5940fbce3c20f6a"},
	"mobilenet_v2_1.0_224_quant":  {"mobilenet_v2_1.0_224_quant.tflite": "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776"},
	// Google's quantized COCO SSD-MobileNet V1 (detect.tflite of
	// coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.zip); the sum other
	// projects pin for it (MediaPipe).
	"coco_ssd_mobilenet_v1": {"coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite": "e4b118e5e4531945de2e659742c7c590f7536f8d0ed26d135abcfe83b4779d13"},
	"mobilenet_v1_0.75_224": {
		"group1-shard1of1":  "410b3cc24d17aeabb2b0da4ba3b70383bbd40d7876c7c3d0e5184e1624f97370",
		"group10-shard1of1": "ffe87f44c0b246b0e3a2e8f7b4c8755df7e90083eab280046e1949f6d3094548",
		"group11-shard1of1": "d5422fd33b5b3a761b4872e350236445d006f5b024a8b50f1e19aec5df998e75",
		"group12-shard1of1": "21bcbe424326f5d44476b4116695842dfec1dc1c83257db7c300bdbd14cbcbe0",
		"group13-shard1of1": "cee9d1834e80e98e0f55cb40a654540f9e9b1fd18ab2f16afa1e8bd916addc75",
		"group14-shard1of1": "4851f5e477559b41db0e267878b86ccf2ea1cc7ed9f5d7599d661ba980718c65",
		"group15-shard1of1": "262efea5db1248f77ea109c628647afe8f1d2750812dd764de514bcb72fb5fbf",
		"group16-shard1of1": "2f4d993fb69caaabb060efcc347b54b0949e17a3d43cff315072e550775e993b",
		"group17-shard1of1": "d1518210ac84e0a713d01bebfbff1aa93c4ec16b4f43f98f2f4a2134f605324e",
		"group18-shard1of1": "c730ccf93ab504096fe2294c7bbbb66855a07f2480c0f72849cad9a90092729b",
		"group19-shard1of1": "d39c30fc0cb24c28dcf0a869ca8d6528e596599e70f7899f453dc5de775e5de2",
		"group2-shard1of1":  "d81c61c33c32ddae0ff0a460efc326ebfdf5b44e7e4891feb12e9fadd09a56a3",
		"group20-shard1of1": "d94cd173f5b95be0a192333b6c5203123a35f8d5429b122eba46da5fd7d01e70",
		"group21-shard1of1": "982cbbfb5bc00408b67182a65140b8ca6793cb495ab94c6b83c71384435684e3",
		"group22-shard1of1": "64f8593a7e07081e8f0981393e5515a23153459f19685ebd69e8f4e64b6de258",
		"group23-shard1of1": "38be667fa3398643de8bae70b8693e2d895cfe099fd34e9c241bc572bb764ec8",
		"group24-shard1of1": "62c62d667246e8af09ed15b557add88ed9b0a9c7f058d8c9b8e20dc4183a3616",
		"group25-shard1of1": "b4e3ea0b6fb1c3e160cc673ce9c81d592ff233e608b2fc1dc0792125b867bd68",
		"group26-shard1of1": "0059826ac853f592c50ca5d07edb8feb1bd84a855eba47333cb834095acb6b2b",
		"group27-shard1of1": "3de17d3971bf39138917a87a4efa335c9cc82a33170f552361345f583a18b0cf",
		"group28-shard1of1": "3aaa10b8e1932a9eebf04d9f85a65050e2ecc5efb295bdcd262c2e4c560ff70c",
		"group29-shard1of1": "29e5c43deddd5033397f359611b840d130493c2eebb841b627de231a9a3a3133",
		"group3-shard1of1":  "112908d83ad17ecaf849958cce3ca7bfed80157a51360ba879528b2435e2f082",
		"group30-shard1of1": "f95062a80935d493826eceb4e7d77655d10fe3be398653d7391beb282b16e105",
		"group31-shard1of1": "e4dbda049f2f49709fd4198b673fb5806e1e03d852645acdf4f1b0857f3cb561",
		"group32-shard1of1": "2af21d7664ffcbba5af49116fe97e643ac1761a0dff53af05ee0755fac487af7",
		"group33-shard1of1": "b082a0a4d7d18fcecbc0bd4d9bddfe52bd3b9d8bd375d0603201dfc8ce6d6c14",
		"group34-shard1of1": "f2053a6599e047de9e91fdf83a34097494e03f1467522797aab6ccf843ed6cb9",
		"group35-shard1of1": "fd2e5a79e02d66d381b115b5c4bb84495e4d6a9be613e33717edc8ed4c391a71",
		"group36-shard1of1": "24c244d8b8125eb206eacce88bf9b42748787b5a1f58899cd2e96e9094ba1a8d",
		"group37-shard1of1": "fa347a3052379e031c4aa71a7cde35e2c87f1907a2715fd2d01f05a901b35855",
		"group38-shard1of1": "f008795067a5c6d654c113c3c17c96db04b2a73f9246182c902eaccdd633b4e2",
		"group39-shard1of1": "d45475bd4af1c142501fd3df402f4d14fab9129d549a6b2ac07dd5c6f0751d91",
		"group4-shard1of1":  "5e94d298bb9dbc3112e992466a03caac0b24f0438d3a9f1f6cd6bda9a54ae149",
		"group40-shard1of1": "06e63442b82f9a9ee53c6623b9f075aaa92a286c35d8f37ec6b6e58ff6e4eec1",
		"group41-shard1of1": "1a31e532f7918b7c2abbf86bd4ba83357af06e13f9eecb431fcbfd43739be3e9",
		"group42-shard1of1": "6aee67f861139d308f8c3edbd83ae1efa398ee83108b5004bab57984e7128e66",
		"group43-shard1of1": "a9e74c49739a0a7b8668aa82ead0da33dc5ae5adab8fd30edbb64b9bfca341a5",
		"group44-shard1of1": "1a06e526debe9ece45ab3d5171ba0a82270187982cf74bb3f3e13bfb07e815d8",
		"group45-shard1of1": "9bf6693d9abd3272add6936b9582bdef043c5be9ffa3c34d0f55dd45d9c3eaa1",
		"group46-shard1of1": "cf5d3fa48f73a4e96fabf52369c4fd3944c66c174f9a0f0c32a74f85a652496d",
		"group47-shard1of1": "e74b658997342f16d95bb370052f62116150f5954c71f5f0bfc39b487016177f",
		"group48-shard1of1": "76df2c6b07777e7ac2fd2ccd50b72e5b7537a068198f896c458ef131c785f4c6",
		"group49-shard1of1": "9ffa2bc5a5dd357e2c224f390524508ed6eb7579e440ae70785167357da84c2a",
		"group5-shard1of1":  "9df642d8547369f3729945e24851a2e6b53151322d811a6ff056aa6cfade05ae",
		"group50-shard1of1": "88858e48f4a3c8d953e281462f32971340d671f2e08e09be26ba140647264b0b",
		"group51-shard1of1": "3279efe417072ed8a64ee5bfd6122bf7bb952a846acec74d51af5c2938946f6f",
		"group52-shard1of1": "99bcebafa9bcb17c3045f9fb66bb956684a117a229c2b7ebb6b69800e1d0e158",
		"group53-shard1of1": "fb009466c7f22322df570d32f3d69d025c1450ed3226970939f69766ebeb05a5",
		"group54-shard1of1": "ec11ebd99a65e90d0f8a9e93d6edaa6473351553802c56d9869e433966e9b88b",
		"group55-shard1of1": "510435e7b0a4d458a47f9cfd024ef44bf9a4c5b64add54d35f4523bcda7a8efa",
		"group6-shard1of1":  "1d4757b388337362ec777dfede8342c8a204d2fdcbdd05fedc2e8c043bc770d2",
		"group7-shard1of1":  "2af6b4d2bd0445481274ee0c2c62f1c97c9b07358c1f242502d9399a33633462",
		"group8-shard1of1":  "fedb2a393c7e5a9cd877a09a03cb173a6b5265c3f1c64996fa6eeb73caf281a2",
		"group9-shard1of1":  "8c0dd6230a3dfd282624bd3ca3e288cb18bd8094a02a93cadd06107d7b0fdc76",
		"model.json":        "a74c25424bd9939b1c245a58da417e35d1ca16f0b009490a1c44b43d982600d9",
	},
}
