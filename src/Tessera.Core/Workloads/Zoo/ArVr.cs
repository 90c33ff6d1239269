using static Tessera.Workloads.Zoo.ArVrBlocks;

namespace Tessera.Workloads.Zoo;

/// <summary>
/// The AR/VR models of SCAR's scenarios 6–10 (XRBench's tasks), built from their papers' architectures.
/// Dynamic parts (proposal counts, NMS, streaming state) are fixed so the graphs are static; docs/arvr-models.md
/// lists the sources, input sizes and every approximation.
/// </summary>
internal static class ArVr
{
    /// <summary>A VGA camera frame (640×480, height × width 480 × 640) for the detectors.</summary>
    private const long FrameHeight = 480, FrameWidth = 640, RgbChannels = 3;

    // ------------------------------------------------------------------ D2Go

    /// <summary>
    /// D2Go's default detector, Faster R-CNN with an FBNetV3-A backbone in the C4 layout (Dai et al. 2020,
    /// arXiv 2006.02049; Ren et al. 2015): trunk to stride 16, RPN on it, 100 proposals through the stride-32
    /// stages as the RoI head, box classifier for COCO's 80 classes + background.
    /// </summary>
    public static ModelGraph D2Go(ModelOptions o)
    {
        const long proposals = 100, roiSize = 12, anchors = 15, classes = 81;
        var g = new GraphBuilder("d2go", o.Bits);
        var x = g.Input("image", o.Batch, RgbChannels, FrameHeight, FrameWidth);
        x = ConvBnAct(g, x, 16, 3, 2, "stem", Activation.HardSwish);
        // FBNetV3-A block rows (expansion, channels, repeats, stride, kernel, squeeze-excite) as facebookresearch/mobile-vision
        // defines "FBNetV3_A"; in the C4 layout the stride-32 rows run per region as the RoI head.
        (long E, long C, int N, long S, long K, bool Se)[] trunk =
        [
            (1, 16, 2, 1, 3, false), (4, 24, 1, 2, 5, false), (2, 24, 3, 1, 5, false), (5, 40, 1, 2, 5, true), (3, 40, 4, 1, 5, true),
            (5, 72, 1, 2, 5, false), (3, 72, 4, 1, 3, false), (5, 120, 1, 1, 3, true), (3, 120, 5, 1, 5, true),
        ];
        (long E, long C, int N, long S, long K, bool Se)[] head = [(6, 184, 1, 2, 3, true), (4, 184, 5, 1, 5, true), (6, 224, 1, 1, 5, true)];
        x = Stages(g, x, trunk, "trunk");
        long features = g.Shape(x)[1];
        var rpn = ConvAct(g, x, features, 3, 1, "rpn.conv", Activation.Relu);
        var objectness = g.Conv(rpn, anchors, 1, bias: true, nodeName: "rpn.objectness");
        var deltas = g.Conv(rpn, anchors * BoxCoordinates, 1, bias: true, nodeName: "rpn.deltas");
        var boxes = Proposals(g, proposals * o.Batch, "rpn.proposals", objectness, deltas);
        var rois = RoiAlign(g, boxes, roiSize, "roi_align", x);
        var r = Stages(g, rois, head, "roi_head");
        var pooled = g.GlobalAvgPool(r, "roi_head.pool");
        var s = g.Shape(pooled);
        var flat = g.ShapeOp(ShapeKind.Reshape, "Flatten", [s[0], s[1]], "roi_head.flatten", pooled);
        g.Linear(flat, classes, bias: true, nodeName: "box_predictor.cls");
        g.Linear(flat, (classes - 1) * BoxCoordinates, bias: true, nodeName: "box_predictor.bbox");
        return g.Build();
    }

    private static string Stages(GraphBuilder g, string x, (long E, long C, int N, long S, long K, bool Se)[] stages, string prefix)
    {
        int index = 0;
        foreach (var st in stages)
            for (int i = 0; i < st.N; i++, index++)
                x = InvertedResidual(g, x, st.C, st.E, st.K, i == 0 ? st.S : 1, st.Se, Activation.HardSwish, $"{prefix}.{index}");
        return x;
    }

    // ------------------------------------------------------------------ PlaneRCNN

    /// <summary>
    /// PlaneRCNN (Liu et al. CVPR 2019, arXiv 1812.04072): Mask R-CNN with a ResNet-101 FPN on a 640×480 frame,
    /// plane detection with anchor-normal classification and residuals, 28×28 plane masks, and a depth decoder on
    /// the finest pyramid level. 1000 proposals reach the box head and 100 detections the mask head (the Mask R-CNN
    /// inference defaults it builds on). The refinement network and warping module are not modelled.
    /// </summary>
    public static ModelGraph PlaneRcnn(ModelOptions o)
    {
        const long pyramid = 256, anchorsPerCell = 3, boxRegions = 1000, maskRegions = 100, boxPool = 7, maskPool = 14;
        const long fcWidth = 1024, planeClasses = 2, normalAnchors = 7, coordinates = 3;
        var g = new GraphBuilder("planercnn", o.Bits);
        var image = g.Input("image", o.Batch, RgbChannels, FrameHeight, FrameWidth);
        var c = ResNetBottleneckTrunk(g, image, [3, 4, 23, 3], "backbone.");
        // FPN (Lin et al. 2017): lateral 1×1, top-down nearest upsample + add, 3×3 smoothing; P6 by subsampling P5.
        var p = new string[4];
        string? above = null;
        for (int level = 3; level >= 0; level--)
        {
            var lateral = g.Conv(c[level], pyramid, 1, bias: true, nodeName: $"fpn.lateral{level + 2}");
            if (above is not null)
            {
                var s = g.Shape(lateral);
                lateral = Add(g, lateral, ResizeTo(g, above, s[2], s[3], $"fpn.up{level + 2}"), $"fpn.merge{level + 2}");
            }
            above = lateral;
            p[level] = g.Conv(lateral, pyramid, 3, 1, 1, bias: true, nodeName: $"fpn.output{level + 2}");
        }
        var p6 = g.Pool(p[3], "MaxPool", 1, 2, nodeName: "fpn.p6");
        // One RPN head shared by every level.
        var rpnWeight = g.Parameter("rpn.conv.weight", pyramid, pyramid, 3, 3);
        var rpnBias = g.Parameter("rpn.conv.bias", pyramid);
        var scoreWeight = g.Parameter("rpn.objectness.weight", anchorsPerCell * 2, pyramid, 1, 1);
        var deltaWeight = g.Parameter("rpn.deltas.weight", anchorsPerCell * BoxCoordinates, pyramid, 1, 1);
        var candidates = new List<string>();
        string[] levels = [.. p, p6];
        for (int i = 0; i < levels.Length; i++)
        {
            var h = Activate(g, SharedConv(g, levels[i], rpnWeight, rpnBias, 1, $"rpn.conv.p{i + 2}"), Activation.Relu, $"rpn.conv.p{i + 2}");
            candidates.Add(SharedConv(g, h, scoreWeight, null, 0, $"rpn.objectness.p{i + 2}"));
            candidates.Add(SharedConv(g, h, deltaWeight, null, 0, $"rpn.deltas.p{i + 2}"));
        }
        var boxes = Proposals(g, boxRegions * o.Batch, "rpn.proposals", [.. candidates]);
        // Box head: two FCs, then class, box and anchor-normal (class + 3-D residual per anchor) outputs.
        var rois = RoiAlign(g, boxes, boxPool, "box_head.roi_align", p);
        var rs = g.Shape(rois);
        var flat = g.ShapeOp(ShapeKind.Reshape, "Flatten", [rs[0], rs[1] * rs[2] * rs[3]], "box_head.flatten", rois);
        var f = Activate(g, g.Linear(flat, fcWidth, nodeName: "box_head.fc1"), Activation.Relu, "box_head.fc1");
        f = Activate(g, g.Linear(f, fcWidth, nodeName: "box_head.fc2"), Activation.Relu, "box_head.fc2");
        var cls = g.Linear(f, planeClasses, nodeName: "box_head.cls");
        var bbox = g.Linear(f, planeClasses * BoxCoordinates, nodeName: "box_head.bbox");
        g.Linear(f, normalAnchors * (1 + coordinates), nodeName: "box_head.normal");
        // Mask head on the kept detections: four 3×3 convs, 2×2 up-convolution, per-class 1×1.
        var detections = Proposals(g, maskRegions * o.Batch, "detections", cls, bbox);
        var m = RoiAlign(g, detections, maskPool, "mask_head.roi_align", p);
        for (int i = 1; i <= 4; i++)
            m = ConvAct(g, m, pyramid, 3, 1, $"mask_head.conv{i}", Activation.Relu);
        m = Activate(g, g.ConvTranspose(m, pyramid, 2, nodeName: "mask_head.upconv"), Activation.Relu, "mask_head.upconv");
        g.Conv(m, planeClasses, 1, bias: true, nodeName: "mask_head.logits");
        // Depth decoder from P2 (stride 4) to full resolution.
        var d = ConvAct(g, p[0], pyramid / 2, 3, 1, "depth.conv1", Activation.Relu);
        d = ConvAct(g, Upsample(g, d, 2, "depth.up1"), pyramid / 4, 3, 1, "depth.conv2", Activation.Relu);
        g.Conv(Upsample(g, d, 2, "depth.up2"), 1, 3, 1, 1, bias: true, nodeName: "depth.out");
        return g.Build();
    }

    // ------------------------------------------------------------------ MiDaS

    /// <summary>
    /// MiDaS v2.1 small (Ranftl et al. TPAMI 2020, arXiv 1907.01341): EfficientNet-Lite3 encoder (width 1.2, depth
    /// 1.4, ReLU6, no squeeze-excitation) at 256×256, RefineNet-style fusion decoder with 64 features expanded per
    /// level (64/128/256/512), and the depth head.
    /// </summary>
    public static ModelGraph Midas(ModelOptions o)
    {
        const long size = 256, features = 64, headWidth = 32;
        var g = new GraphBuilder("midas", o.Bits);
        var x = g.Input("image", o.Batch, RgbChannels, size, size);
        x = ConvBnAct(g, x, 32, 3, 2, "encoder.stem", Activation.Relu6);
        // EfficientNet-B0's stages with Lite3's rounded widths and ceil(1.4·n) repeats: (expansion, channels, repeats, stride, kernel).
        (long E, long C, int N, long S, long K)[] stages =
            [(1, 24, 2, 1, 3), (6, 32, 3, 2, 3), (6, 48, 3, 2, 5), (6, 96, 5, 2, 3), (6, 136, 5, 1, 5), (6, 232, 6, 2, 5), (6, 384, 2, 1, 3)];
        // Encoder taps after stages 2, 3, 5 and 7 (strides 4, 8, 16, 32).
        int[] taps = [1, 2, 4, 6];
        var skips = new List<string>();
        int index = 0;
        for (int si = 0; si < stages.Length; si++)
        {
            var st = stages[si];
            for (int i = 0; i < st.N; i++, index++)
                x = InvertedResidual(g, x, st.C, st.E, st.K, i == 0 ? st.S : 1, squeezeExcite: false, Activation.Relu6, $"encoder.blocks.{index}");
            if (taps.Contains(si)) skips.Add(x);
        }
        var rn = skips.Select((s, i) => g.Conv(s, features << i, 3, 1, 1, nodeName: $"scratch.layer{i + 1}_rn")).ToArray();
        string? path = null;
        for (int level = 3; level >= 0; level--)
        {
            var node = $"scratch.refinenet{level + 1}";
            var y = rn[level];
            if (path is not null)
                y = Add(g, path, ResidualConvUnit(g, y, $"{node}.rcu1"), $"{node}.add");
            y = ResidualConvUnit(g, y, $"{node}.rcu2");
            y = BilinearTo(g, y, g.Shape(y)[2] * 2, g.Shape(y)[3] * 2, $"{node}.up");
            long outChannels = level == 0 ? features : features << (level - 1);
            path = g.Conv(y, outChannels, 1, bias: true, nodeName: $"{node}.out_conv");
        }
        var h = g.Conv(path!, features / 2, 3, 1, 1, bias: true, nodeName: "head.conv1");
        h = BilinearTo(g, h, size, size, "head.up");
        h = ConvAct(g, h, headWidth, 3, 1, "head.conv2", Activation.Relu);
        h = g.Conv(h, 1, 1, bias: true, nodeName: "head.conv3");
        Activate(g, h, Activation.Relu, "head.out");
        return g.Build();
    }

    /// <summary>RefineNet residual unit: ReLU, 3×3 conv, ReLU, 3×3 conv (with bias), add.</summary>
    private static string ResidualConvUnit(GraphBuilder g, string x, string node)
    {
        long channels = g.Shape(x)[1];
        var y = Activate(g, x, Activation.Relu, $"{node}.act1");
        y = ConvAct(g, y, channels, 3, 1, $"{node}.conv1", Activation.Relu);
        y = g.Conv(y, channels, 3, 1, 1, bias: true, nodeName: $"{node}.conv2");
        return Add(g, y, x, $"{node}.add");
    }

    // ------------------------------------------------------------------ Emformer

    /// <summary>
    /// Emformer transcriber (Shi et al. ICASSP 2021, arXiv 2010.10759) in torchaudio's RNN-T base configuration:
    /// 80 log-mel features stacked ×4 (time reduction), 20 layers of width 512, 8 heads, FFN 2048; one streaming
    /// step processes a 16-frame segment plus 4 right-context frames (after reduction) and attends to 30 cached
    /// left-context frames (memory bank off). The RNN-T predictor and joiner (run per emitted token) are not modelled.
    /// </summary>
    public static ModelGraph Emformer(ModelOptions o)
    {
        const long melBins = 80, stacking = 4, width = 512, heads = 8, ffn = 2048, layers = 20, outputWidth = 1024;
        const long segment = 16, rightContext = 4, leftContext = 30;
        long queries = segment + rightContext, keys = leftContext + queries, headDim = width / heads;
        var g = new GraphBuilder("emformer", o.Bits);
        var x = g.Input("features", o.Batch, queries, melBins * stacking);
        x = g.Linear(x, width, bias: true, nodeName: "input_linear");
        for (int layer = 0; layer < layers; layer++)
        {
            var node = $"layers.{layer}";
            var n = LayerNorm(g, x, $"{node}.attn_norm");
            var q = g.Linear(n, width, nodeName: $"{node}.q_proj");
            var kv = g.Linear(n, 2 * width, nodeName: $"{node}.kv_proj");
            // Left-context keys and values are the previous step's, kept per layer.
            var cache = g.Input($"{node}.left_kv_cache", o.Batch, leftContext, 2 * width);
            var allKv = g.ShapeOp(ShapeKind.Concat, "Concat", [o.Batch, keys, 2 * width], $"{node}.kv_concat", cache, kv);
            var k = g.ShapeOp(ShapeKind.Slice, "Slice", [o.Batch, keys, width], $"{node}.k", allKv);
            var v = g.ShapeOp(ShapeKind.Slice, "Slice", [o.Batch, keys, width], $"{node}.v", allKv);
            var a = Attention(g, q, k, v, o.Batch * heads, queries, keys, headDim, $"{node}.attn");
            a = g.ShapeOp(ShapeKind.Reshape, "MergeHeads", [o.Batch, queries, width], $"{node}.merge_heads", a);
            x = Add(g, x, g.Linear(a, width, nodeName: $"{node}.out_proj"), $"{node}.attn.residual");
            var f = LayerNorm(g, x, $"{node}.ffn_norm");
            f = Activate(g, g.Linear(f, ffn, nodeName: $"{node}.ffn.up"), Activation.Gelu, $"{node}.ffn");
            x = Add(g, x, g.Linear(f, width, nodeName: $"{node}.ffn.down"), $"{node}.ffn.residual");
            x = LayerNorm(g, x, $"{node}.final_norm");
        }
        var outSegment = g.ShapeOp(ShapeKind.Slice, "Slice", [o.Batch, segment, width], "segment", x);
        g.Linear(outSegment, outputWidth, bias: true, nodeName: "output_linear");
        return g.Build();
    }

    // ------------------------------------------------------------------ HRViT

    /// <summary>
    /// HRViT-b1 for segmentation (Gu et al. CVPR 2022, arXiv 2111.01236; facebookresearch/HRViT, hrvit_b1 with the
    /// SegFormer head) on a 512×512 ADE20K crop: a two-conv stem (32 then 64 channels) to stride 4, then six modules,
    /// each a cross-resolution fusion (which also opens a new branch) followed by per-branch patch embedding and
    /// transformer blocks; branches at strides 4/8/16/32 with widths 32/64/128/256, 32-wide heads, blocks per branch
    /// 1 | 1,1 | 1,1,6 | 1,1,6 | 1,1,6,2 | 1,1,2,2. A block is cross-shaped window attention (keys share the value
    /// projection; half the channels attend within horizontal stripes, half within vertical ones, stripe widths 1/2/7/7
    /// by branch; a parallel depthwise 3×3 on the values; a diversity-enhanced shortcut) and MixCFN (×4, depthwise 3×3
    /// on half the channels and 5×5 on the other half). The head projects every branch to 256, upsamples, fuses and
    /// classifies 150 ADE20K classes at stride 4.
    /// </summary>
    public static ModelGraph HrVitB1(ModelOptions o)
    {
        const long size = 512, stemWidth = 64, headWidth = 256, classes = 150, cfnExpansion = 4, headDim = 32;
        long[] widths = [32, 64, 128, 256], stripes = [1, 2, 7, 7];
        // Blocks per branch of each module (hrvit_b1's block_list).
        int[][] modules = [[1], [1, 1], [1, 1, 6], [1, 1, 6], [1, 1, 6, 2], [1, 1, 2, 2]];
        var g = new GraphBuilder("hrvit-b1", o.Bits);
        var x = g.Input("image", o.Batch, RgbChannels, size, size);
        x = ConvBiasBnAct(g, x, stemWidth / 2, 3, 2, "stem.conv1", Activation.Relu);
        x = ConvBiasBnAct(g, x, stemWidth, 3, 2, "stem.conv2", Activation.Relu);
        var branches = new List<string> { x };
        for (int m = 0; m < modules.Length; m++)
        {
            var blocks = modules[m];
            var node = $"module{m + 1}";
            // Fusion keeps each input's width and opens the new branch at its final width.
            long[] fusedWidths = [.. branches.Select(b => g.Shape(b)[1]), .. widths.Skip(branches.Count).Take(blocks.Length - branches.Count)];
            branches = Fuse(g, branches, fusedWidths, $"{node}.fuse");
            for (int b = 0; b < branches.Count; b++)
            {
                var branch = $"{node}.branch{b}";
                var s = g.Shape(branches[b]);
                var e = g.Conv(branches[b], widths[b], 1, bias: true, nodeName: $"{branch}.embed.pointwise");
                e = g.Conv(e, widths[b], 3, 1, 1, widths[b], bias: true, nodeName: $"{branch}.embed.depthwise");
                var tokens = LayerNorm(g, ToTokens(g, e, $"{branch}.tokens"), $"{branch}.embed.norm");
                for (int i = 0; i < blocks[b]; i++)
                    tokens = HrVitBlock(g, tokens, s[2], s[3], headDim, stripes[b], cfnExpansion, $"{branch}.block{i}");
                branches[b] = ToMap(g, LayerNorm(g, tokens, $"{branch}.norm"), s[2], s[3], $"{branch}.out");
            }
        }
        long outH = g.Shape(branches[0])[2], outW = g.Shape(branches[0])[3];
        var embedded = branches.Select((br, i) =>
        {
            var e = g.Conv(br, headWidth, 1, bias: true, nodeName: $"head.linear{i}");
            return i == 0 ? e : BilinearTo(g, e, outH, outW, $"head.up{i}");
        }).ToArray();
        var fused = ConvBnAct(g, Cnns.Concat(g, "head.concat", embedded), headWidth, 1, 1, "head.fuse", Activation.Relu);
        g.Conv(fused, classes, 1, bias: true, nodeName: "head.classifier");
        return g.Build();
    }

    private static string ConvBiasBnAct(GraphBuilder g, string x, long outChannels, long kernel, long stride, string node, Activation act)
    {
        var y = g.Conv(x, outChannels, kernel, stride, kernel / 2, bias: true, nodeName: node);
        var bn = g.Parameter($"{node}.bn.weight", 2, outChannels);
        y = g.Vector(VectorKind.BatchNorm, "BatchNormalization", VectorOpCounts.BatchNorm, $"{node}.bn", y, bn);
        return Activate(g, y, act, node);
    }

    private static string BatchNorm(GraphBuilder g, string x, long channels, string node)
    {
        var bn = g.Parameter($"{node}.weight", 2, channels);
        return g.Vector(VectorKind.BatchNorm, "BatchNormalization", VectorOpCounts.BatchNorm, node, x, bn);
    }

    /// <summary>One HRViT block on [batch, H·W, C] tokens: attention with its shortcut, then MixCFN, each residual.</summary>
    private static string HrVitBlock(GraphBuilder g, string x, long height, long width, long headDim, long stripe, long expansion, string node)
    {
        var s = g.Shape(x);
        long batch = s[0], tokens = s[1], channels = s[2], half = channels / 2;
        var n = LayerNorm(g, x, $"{node}.attn_norm");
        var qv = g.Linear(n, 2 * channels, nodeName: $"{node}.attn.to_qv");
        var q = g.ShapeOp(ShapeKind.Slice, "Slice", [batch, tokens, channels], $"{node}.attn.q", qv);
        var v = g.ShapeOp(ShapeKind.Slice, "Slice", [batch, tokens, channels], $"{node}.attn.v", qv);
        // Parallel depthwise 3×3 over the values.
        var vMap = Activate(g, ToMap(g, v, height, width, $"{node}.attn.v_map"), Activation.HardSwish, $"{node}.attn.v_conv");
        var vConv = ToTokens(g, g.Conv(vMap, channels, 3, 1, 1, channels, bias: true, nodeName: $"{node}.attn.v_conv"), $"{node}.attn.v_conv.tokens");
        // Each half: heads of headDim (or one head of the half's width when narrower); keys are the values.
        long partHeadDim = Math.Min(headDim, half), partHeads = half / partHeadDim;
        string Part(string name, long stripes, long tokensPerStripe)
        {
            long groups = batch * partHeads * stripes;
            var qp = g.ShapeOp(ShapeKind.Slice, "Slice", [batch, tokens, half], $"{node}.attn.{name}.q", q);
            var vp = g.ShapeOp(ShapeKind.Slice, "Slice", [batch, tokens, half], $"{node}.attn.{name}.v", v);
            // Stripes are padded to a multiple of the stripe width (a data rearrangement).
            var qs = g.ShapeOp(ShapeKind.Transpose, "ToStripes", [groups, tokensPerStripe, partHeadDim], $"{node}.attn.{name}.q_stripes", qp);
            var vs = g.ShapeOp(ShapeKind.Transpose, "ToStripes", [groups, tokensPerStripe, partHeadDim], $"{node}.attn.{name}.v_stripes", vp);
            var a = Attention(g, qs, vs, vs, groups, tokensPerStripe, tokensPerStripe, partHeadDim, $"{node}.attn.{name}");
            return g.ShapeOp(ShapeKind.Transpose, "FromStripes", [batch, tokens, half], $"{node}.attn.{name}.merge", a);
        }
        long hStripes = (height + stripe - 1) / stripe, vStripes = (width + stripe - 1) / stripe;
        var horizontal = Part("horizontal", hStripes, stripe * width);
        var vertical = Part("vertical", vStripes, stripe * height);
        var attended = g.ShapeOp(ShapeKind.Concat, "Concat", [batch, tokens, channels], $"{node}.attn.concat", horizontal, vertical);
        attended = Activate(g, Add(g, attended, vConv, $"{node}.attn.add_v_conv"), Activation.HardSwish, $"{node}.attn");
        attended = BatchNorm(g, g.Linear(attended, channels, nodeName: $"{node}.attn.to_out"), channels, $"{node}.attn.bn");
        x = Add(g, Add(g, attended, DiversityShortcut(g, x, $"{node}.des"), $"{node}.attn.add_des"), x, $"{node}.attn.residual");
        // MixCFN.
        var f = LayerNorm(g, x, $"{node}.ffn_norm");
        long hidden = channels * expansion;
        f = ToMap(g, g.Linear(f, hidden, nodeName: $"{node}.ffn.fc1"), height, width, $"{node}.ffn.map");
        var lo = g.ShapeOp(ShapeKind.Split, "Split", [batch, hidden / 2, height, width], $"{node}.ffn.split3", f);
        var hi = g.ShapeOp(ShapeKind.Split, "Split", [batch, hidden / 2, height, width], $"{node}.ffn.split5", f);
        var d3 = g.Conv(lo, hidden / 2, 3, 1, 1, hidden / 2, bias: true, nodeName: $"{node}.ffn.dw3");
        var d5 = g.Conv(hi, hidden / 2, 5, 1, 2, hidden / 2, bias: true, nodeName: $"{node}.ffn.dw5");
        var mixed = Activate(g, Cnns.Concat(g, $"{node}.ffn.concat", d3, d5), Activation.Gelu, $"{node}.ffn");
        f = g.Linear(ToTokens(g, mixed, $"{node}.ffn.tokens"), channels, nodeName: $"{node}.ffn.fc2");
        return Add(g, f, x, $"{node}.ffn.residual");
    }

    /// <summary>
    /// Diversity-enhanced shortcut: C = k·p channels viewed as a k × p matrix per token, mixed by a p × p then a k × k
    /// linear map (p the larger power-of-two factor of C), with GELU between.
    /// </summary>
    private static string DiversityShortcut(GraphBuilder g, string x, string node)
    {
        var s = g.Shape(x);
        long channels = s[2], rows = s[0] * s[1];
        int exponent = (int)Math.Log2(channels);
        long p = 1L << (exponent - exponent / 2), k = channels / p;
        var right = g.ShapeOp(ShapeKind.Reshape, "Reshape", [rows * k, p], $"{node}.rows", x);
        right = Activate(g, g.Linear(right, p, nodeName: $"{node}.proj_right"), Activation.Gelu, $"{node}.proj_right");
        var left = g.ShapeOp(ShapeKind.Transpose, "Transpose", [rows * p, k], $"{node}.transpose", right);
        left = g.Linear(left, k, nodeName: $"{node}.proj_left");
        return g.ShapeOp(ShapeKind.Transpose, "Transpose", [s[0], s[1], channels], $"{node}.out", left);
    }

    /// <summary>
    /// HRViT's cross-resolution fusion: output i sums every input j — as is when j = i; from a finer branch by a
    /// depthwise (2^(i−j)+1)² convolution of stride 2^(i−j), BN, 1×1 to the output width, BN; from a coarser branch by
    /// a 1×1, BN and nearest upsampling — then GELU. Outputs beyond the inputs open new branches.
    /// </summary>
    private static List<string> Fuse(GraphBuilder g, List<string> inputs, long[] outWidths, string node)
    {
        var outputs = new List<string>();
        for (int i = 0; i < outWidths.Length; i++)
        {
            string? sum = null;
            for (int j = 0; j < inputs.Count; j++)
            {
                var y = inputs[j];
                var s = g.Shape(y);
                if (j < i)
                {
                    long factor = 1L << (i - j);
                    y = g.Conv(y, s[1], factor + 1, factor, factor / 2, s[1], bias: false, nodeName: $"{node}.{j}to{i}.depthwise");
                    y = BatchNorm(g, y, s[1], $"{node}.{j}to{i}.bn1");
                    y = BatchNorm(g, g.Conv(y, outWidths[i], 1, bias: true, nodeName: $"{node}.{j}to{i}.pointwise"), outWidths[i], $"{node}.{j}to{i}.bn2");
                }
                else if (j > i)
                {
                    y = BatchNorm(g, g.Conv(y, outWidths[i], 1, bias: true, nodeName: $"{node}.{j}to{i}.pointwise"), outWidths[i], $"{node}.{j}to{i}.bn");
                    y = Upsample(g, y, 1L << (j - i), $"{node}.{j}to{i}.up");
                }
                sum = sum is null ? y : Add(g, sum, y, $"{node}.{j}to{i}.add");
            }
            outputs.Add(Activate(g, sum!, Activation.Gelu, $"{node}.out{i}"));
        }
        return outputs;
    }

    // ------------------------------------------------------------------ Hand shape and pose

    /// <summary>
    /// 3-D hand shape and pose from one RGB image (Ge et al. CVPR 2019, arXiv 1903.00812), XRBench's hand tracker:
    /// a 2-stack hourglass (256 channels, 64×64 heatmaps of 21 joints) on a 256×256 crop, a residual encoder to a
    /// 4096-D latent vector, a Chebyshev graph CNN (K = 3) that upsamples a coarse 80-vertex mesh to 1280 vertices,
    /// and a linear regressor from mesh vertices to the 21 joints.
    /// </summary>
    public static ModelGraph HandPose(ModelOptions o)
    {
        const long size = 256, width = 256, joints = 21, stacks = 2, depth = 4, latent = 4096, encoderDownsamples = 4;
        const long coarseVertices = 80, chebyshevOrder = 3, coordinates = 3;
        long[] graphFeatures = [64, 32, 16, 8, coordinates];
        var g = new GraphBuilder("hand-pose", o.Bits);
        var x = g.Input("image", o.Batch, RgbChannels, size, size);
        x = ConvBnAct(g, x, 64, 7, 2, "stem.conv", Activation.Relu);
        x = HourglassResidual(g, x, width / 2, "stem.res1");
        x = g.Pool(x, "MaxPool", 2, 2, nodeName: "stem.pool");
        x = HourglassResidual(g, x, width / 2, "stem.res2");
        x = HourglassResidual(g, x, width, "stem.res3");
        string heatmaps = x;
        for (int s = 0; s < stacks; s++)
        {
            var node = $"hourglass{s}";
            var h = Hourglass(g, x, depth, node);
            h = HourglassResidual(g, h, width, $"{node}.res");
            h = ConvBnAct(g, h, width, 1, 1, $"{node}.lin", Activation.Relu);
            heatmaps = g.Conv(h, joints, 1, bias: true, nodeName: $"{node}.heatmaps");
            if (s < stacks - 1)
            {
                var back = g.Conv(h, width, 1, bias: true, nodeName: $"{node}.features_back");
                var merged = g.Conv(heatmaps, width, 1, bias: true, nodeName: $"{node}.heatmaps_back");
                x = Add(g, Add(g, x, back, $"{node}.add1"), merged, $"{node}.add2");
            }
            else
            {
                x = h;
            }
        }
        // Encoder of features and heatmaps down to 4×4, then the latent vector.
        var e = g.Conv(Cnns.Concat(g, "encoder.concat", x, heatmaps), width, 1, bias: true, nodeName: "encoder.merge");
        for (int i = 0; i < encoderDownsamples; i++)
        {
            e = g.Pool(e, "MaxPool", 2, 2, nodeName: $"encoder.pool{i}");
            e = HourglassResidual(g, e, width, $"encoder.res{i}");
        }
        var es = g.Shape(e);
        var flat = g.ShapeOp(ShapeKind.Reshape, "Flatten", [es[0], es[1] * es[2] * es[3]], "encoder.flatten", e);
        var z = Activate(g, g.Linear(flat, latent, nodeName: "encoder.fc"), Activation.Relu, "encoder.fc");
        var v = g.Linear(z, coarseVertices * graphFeatures[0], nodeName: "mesh.fc");
        long vertices = coarseVertices;
        v = g.ShapeOp(ShapeKind.Reshape, "ToVertices", [o.Batch, vertices, graphFeatures[0]], "mesh.vertices", v);
        for (int level = 1; level < graphFeatures.Length; level++)
        {
            var node = $"mesh.level{level}";
            if (level < graphFeatures.Length - 1)
            {
                // Upsampling doubles the vertices (the mesh hierarchy's precomputed sparse map: a data move).
                vertices *= 2;
                v = g.ShapeOp(ShapeKind.Resize, "MeshUpsample", [o.Batch, vertices, graphFeatures[level - 1]], $"{node}.up", v);
            }
            v = ChebyshevGraphConv(g, v, graphFeatures[level], chebyshevOrder, node);
            if (level < graphFeatures.Length - 1) v = Activate(g, v, Activation.Relu, node);
        }
        // Joints are a fixed linear map of the mesh vertices (the MANO joint regressor).
        var mesh = g.ShapeOp(ShapeKind.Transpose, "Transpose", [o.Batch, coordinates, vertices], "joints.transpose", v);
        g.Linear(mesh, joints, bias: false, nodeName: "joints.regressor");
        return g.Build();
    }

    /// <summary>Newell et al.'s residual module: 1×1 to half, 3×3, 1×1 back; 1×1 projection when the width changes.</summary>
    private static string HourglassResidual(GraphBuilder g, string x, long outChannels, string node)
    {
        long inChannels = g.Shape(x)[1];
        var y = ConvBnAct(g, x, outChannels / 2, 1, 1, $"{node}.conv1", Activation.Relu);
        y = ConvBnAct(g, y, outChannels / 2, 3, 1, $"{node}.conv2", Activation.Relu);
        y = ConvBnAct(g, y, outChannels, 1, 1, $"{node}.conv3", Activation.None);
        var skip = inChannels == outChannels ? x : g.Conv(x, outChannels, 1, bias: true, nodeName: $"{node}.skip");
        return Activate(g, Add(g, y, skip, $"{node}.add"), Activation.Relu, node);
    }

    private static string Hourglass(GraphBuilder g, string x, long depth, string node)
    {
        long width = g.Shape(x)[1];
        var up = HourglassResidual(g, x, width, $"{node}.up");
        var low = HourglassResidual(g, g.Pool(x, "MaxPool", 2, 2, nodeName: $"{node}.pool"), width, $"{node}.low1");
        low = depth > 1 ? Hourglass(g, low, depth - 1, $"{node}.inner") : HourglassResidual(g, low, width, $"{node}.low2");
        low = HourglassResidual(g, low, width, $"{node}.low3");
        return Add(g, up, Upsample(g, low, 2, $"{node}.upsample"), $"{node}.add");
    }

    /// <summary>
    /// Chebyshev graph convolution of order K: K−1 sparse Laplacian products (vector work, ≈ 6 neighbours per vertex
    /// on a triangle mesh) and one dense [V, K·F_in] × [K·F_in, F_out] product.
    /// </summary>
    private static string ChebyshevGraphConv(GraphBuilder g, string v, long outFeatures, long order, string node)
    {
        const double meshNeighbours = 6;
        var s = g.Shape(v);
        var basis = g.VectorTo(VectorKind.Elementwise, "ChebyshevBasis", 2 * meshNeighbours, [s[0], s[1], order * s[2]], $"{node}.basis", v);
        return g.Linear(basis, outFeatures, bias: true, nodeName: $"{node}.weights");
    }

    // ------------------------------------------------------------------ EyeCod

    /// <summary>
    /// EyeCod's eye tracking (You et al. ISCA 2022, arXiv 2206.00877): RITNet segmentation (Chaudhary et al. 2019,
    /// arXiv 1910.00694) of a 640×400 grey eye image into 4 classes, then FBNet-C100 (Wu et al. 2019,
    /// arXiv 1812.03443) regressing a 3-D gaze vector from a 128×128 region of interest around the eye.
    /// </summary>
    public static ModelGraph EyeCod(ModelOptions o)
    {
        const long eyeHeight = 400, eyeWidth = 640, eyeClasses = 4, roi = 128, gazeOutputs = 3;
        var g = new GraphBuilder("eyecod", o.Bits);
        var eye = g.Input("eye_image", o.Batch, 1, eyeHeight, eyeWidth);
        var mask = RitNet(g, eye, eyeClasses);
        var crop = g.ShapeOp(ShapeKind.Slice, "CropRoi", [o.Batch, 1, roi, roi], "gaze.roi", eye, mask);
        var features = FbNetC(g, crop, "gaze.");
        var s = g.Shape(features);
        var flat = g.ShapeOp(ShapeKind.Reshape, "Flatten", [s[0], s[1]], "gaze.flatten", features);
        g.Linear(flat, gazeOutputs, bias: true, nodeName: "gaze.fc");
        return g.Build();
    }

    /// <summary>RITNet: five dense down blocks (32 channels, 2×2 average pool before all but the first) and four dense up blocks.</summary>
    private static string RitNet(GraphBuilder g, string x, long classes)
    {
        const long channels = 32;
        const int downBlocks = 5;
        var skips = new List<string>();
        for (int i = 0; i < downBlocks; i++)
        {
            var node = $"seg.down{i + 1}";
            if (i > 0) x = g.Pool(x, "AveragePool", 2, 2, nodeName: $"{node}.pool");
            var x1 = ConvAct(g, x, channels, 3, 1, $"{node}.conv1", Activation.Relu);
            var x21 = Cnns.Concat(g, $"{node}.cat1", x, x1);
            var x22 = ConvAct(g, g.Conv(x21, channels, 1, bias: true, nodeName: $"{node}.conv21"), channels, 3, 1, $"{node}.conv22", Activation.Relu);
            var x31 = Cnns.Concat(g, $"{node}.cat2", x21, x22);
            var y = ConvAct(g, g.Conv(x31, channels, 1, bias: true, nodeName: $"{node}.conv31"), channels, 3, 1, $"{node}.conv32", Activation.Relu);
            var bn = g.Parameter($"{node}.bn.weight", 2, channels);
            x = g.Vector(VectorKind.BatchNorm, "BatchNormalization", VectorOpCounts.BatchNorm, $"{node}.bn", y, bn);
            skips.Add(x);
        }
        for (int i = downBlocks - 2; i >= 0; i--)
        {
            var node = $"seg.up{downBlocks - 1 - i}";
            var skip = skips[i];
            var up = ResizeTo(g, x, g.Shape(skip)[2], g.Shape(skip)[3], $"{node}.upsample");
            var cat = Cnns.Concat(g, $"{node}.cat1", skip, up);
            var x1 = ConvAct(g, g.Conv(cat, channels, 1, bias: true, nodeName: $"{node}.conv11"), channels, 3, 1, $"{node}.conv12", Activation.Relu);
            var x21 = Cnns.Concat(g, $"{node}.cat2", cat, x1);
            x = ConvAct(g, g.Conv(x21, channels, 1, bias: true, nodeName: $"{node}.conv21"), channels, 3, 1, $"{node}.conv22", Activation.Relu);
        }
        return g.Conv(x, classes, 1, bias: true, nodeName: "seg.out");
    }

    /// <summary>FBNet-C (Wu et al. 2019, Fig. 4): 3×3/2 stem, 22 searched blocks (kernel, expansion; "skip" omitted), 1×1 to 1984, global pool.</summary>
    private static string FbNetC(GraphBuilder g, string x, string prefix)
    {
        const long stemWidth = 16, lastWidth = 1984;
        x = ConvBnAct(g, x, stemWidth, 3, 2, $"{prefix}stem", Activation.Relu);
        // (channels, stride of the stage's first block, [(kernel, expansion)…]).
        (long C, long S, (long K, long E)[] Blocks)[] stages =
        [
            (16, 1, [(3, 1)]),
            (24, 2, [(5, 6), (3, 1), (3, 1)]),
            (32, 2, [(5, 6), (5, 3), (5, 6), (3, 6)]),
            (64, 2, [(5, 6), (5, 3), (5, 6), (5, 6)]),
            (112, 1, [(5, 6), (5, 6), (5, 6), (3, 3)]),
            (184, 2, [(5, 6), (5, 6), (5, 6), (5, 6)]),
            (352, 1, [(3, 6)]),
        ];
        int index = 0;
        foreach (var st in stages)
            for (int i = 0; i < st.Blocks.Length; i++, index++)
                x = InvertedResidual(g, x, st.C, st.Blocks[i].E, st.Blocks[i].K, i == 0 ? st.S : 1, false, Activation.Relu, $"{prefix}blocks.{index}");
        x = ConvBnAct(g, x, lastWidth, 1, 1, $"{prefix}last", Activation.Relu);
        return g.GlobalAvgPool(x, $"{prefix}pool");
    }

    // ------------------------------------------------------------------ Sparse-to-Dense

    /// <summary>
    /// Sparse-to-Dense depth completion (Ma and Karaman ICRA 2018, arXiv 1709.07492), the NYU-Depth v2 network: RGB
    /// plus a sparse depth channel at 228×304 into a ResNet-50 encoder, 1×1 conv to 1024 channels, four UpProj
    /// layers (Laina et al. 2016) halving the channels, 3×3 conv to one depth channel and bilinear upsampling.
    /// </summary>
    public static ModelGraph SparseToDense(ModelOptions o)
    {
        const long height = 228, width = 304, rgbd = 4, bottleneck = 1024;
        const int upLayers = 4;
        var g = new GraphBuilder("sparse-to-dense", o.Bits);
        var x = g.Input("rgbd", o.Batch, rgbd, height, width);
        var c = ResNetBottleneckTrunk(g, x, [3, 4, 6, 3], "encoder.");
        var d = Cnns.ConvBn(g, c[^1], bottleneck, 1, 1, 0, "decoder.conv2", Cnns.Act.None);
        for (int i = 0; i < upLayers; i++)
            d = UpProjection(g, d, g.Shape(d)[1] / 2, $"decoder.upproj{i + 1}");
        d = g.Conv(d, 1, 3, 1, 1, bias: false, nodeName: "decoder.conv3");
        BilinearTo(g, d, height, width, "decoder.upsample");
        return g.Build();
    }

    /// <summary>UpProj: 2× unpooling (modelled as a resize; the zeros are multiplied as dense hardware would), then 5×5–ReLU–3×3 plus a 5×5 projection, summed, ReLU.</summary>
    private static string UpProjection(GraphBuilder g, string x, long outChannels, string node)
    {
        var u = Upsample(g, x, 2, $"{node}.unpool");
        var a = ConvBnAct(g, u, outChannels, 5, 1, $"{node}.conv1", Activation.Relu);
        a = ConvBnAct(g, a, outChannels, 3, 1, $"{node}.conv2", Activation.None);
        var b = ConvBnAct(g, u, outChannels, 5, 1, $"{node}.projection", Activation.None);
        return Activate(g, Add(g, a, b, $"{node}.add"), Activation.Relu, node);
    }
}
