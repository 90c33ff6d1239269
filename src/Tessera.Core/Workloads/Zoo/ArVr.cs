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
        // FBNetV3-A stages (expansion, channels, repeats, stride, kernel, squeeze-excite); the last two run per region.
        (long E, long C, int N, long S, long K, bool Se)[] trunk =
            [(1, 16, 2, 1, 3, false), (4, 24, 3, 2, 5, false), (4, 40, 4, 2, 5, true), (5, 72, 4, 2, 5, false), (3, 120, 5, 1, 5, true)];
        (long E, long C, int N, long S, long K, bool Se)[] head = [(5, 184, 5, 2, 5, true), (6, 224, 1, 1, 3, true)];
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
    /// HRViT-b1 for segmentation (Gu et al. CVPR 2022, arXiv 2111.01236) on a 512×512 ADE20K crop: a two-conv stem
    /// to stride 4, four stages that add one branch each (strides 4–32, widths 32/64/128/256), cross-shaped window
    /// attention (half the heads on horizontal stripes, half on vertical; stripe widths 1/2/7/7 by branch), MixCFN
    /// (expansion 4, depthwise 3×3 on half the channels and 5×5 on the other half), multi-scale fusion after every
    /// stage, and a SegFormer-style all-MLP head to 150 classes.
    /// </summary>
    public static ModelGraph HrVitB1(ModelOptions o)
    {
        const long size = 512, stemWidth = 32, headWidth = 256, classes = 150, cfnExpansion = 4;
        long[] widths = [32, 64, 128, 256], headsPerBranch = [1, 2, 4, 8], stripes = [1, 2, 7, 7];
        int[] blocksPerStage = [1, 1, 6, 2];
        var g = new GraphBuilder("hrvit-b1", o.Bits);
        var x = g.Input("image", o.Batch, RgbChannels, size, size);
        x = ConvBnAct(g, x, stemWidth, 3, 2, "stem.conv1", Activation.Relu);
        x = ConvBnAct(g, x, stemWidth, 3, 2, "stem.conv2", Activation.Relu);
        var branches = new List<string> { ConvBnAct(g, x, widths[0], 1, 1, "stem.proj", Activation.None) };
        for (int stage = 0; stage < blocksPerStage.Length; stage++)
        {
            if (stage > 0)
                branches.Add(ConvBnAct(g, branches[^1], widths[stage], 3, 2, $"stage{stage + 1}.new_branch", Activation.Relu));
            for (int b = 0; b < branches.Count; b++)
                for (int i = 0; i < blocksPerStage[stage]; i++)
                    branches[b] = HrVitBlock(g, branches[b], headsPerBranch[b], stripes[b], cfnExpansion, $"stage{stage + 1}.branch{b}.block{i}");
            if (branches.Count > 1)
                branches = Fuse(g, branches, $"stage{stage + 1}.fuse");
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

    /// <summary>Pre-norm transformer block: cross-shaped window attention and MixCFN, each with a residual.</summary>
    private static string HrVitBlock(GraphBuilder g, string x, long heads, long stripe, long expansion, string node)
    {
        var s = g.Shape(x);
        long batch = s[0], channels = s[1], height = s[2], width = s[3];
        long headDim = channels / heads, halfHeads = Math.Max(1, heads / 2);
        var tokens = ToTokens(g, x, $"{node}.tokens");
        var n = LayerNorm(g, tokens, $"{node}.attn_norm");
        var qkv = g.Linear(n, 3 * channels, nodeName: $"{node}.qkv");
        // Horizontal stripes: each stripe of `stripe` rows is a window of stripe·W tokens; vertical likewise.
        long hStripe = Math.Min(stripe, height), vStripe = Math.Min(stripe, width);
        long hWindows = (height + hStripe - 1) / hStripe, vWindows = (width + vStripe - 1) / vStripe;
        long hTokens = hStripe * width, vTokens = vStripe * height;
        string Part(string name, long windows, long tokensPerWindow, long partHeads)
        {
            var q = g.ShapeOp(ShapeKind.Reshape, "Window", [batch * partHeads * windows, tokensPerWindow, headDim], $"{node}.{name}.q", qkv);
            var k = g.ShapeOp(ShapeKind.Reshape, "Window", [batch * partHeads * windows, tokensPerWindow, headDim], $"{node}.{name}.k", qkv);
            var v = g.ShapeOp(ShapeKind.Reshape, "Window", [batch * partHeads * windows, tokensPerWindow, headDim], $"{node}.{name}.v", qkv);
            return Attention(g, q, k, v, batch * partHeads * windows, tokensPerWindow, tokensPerWindow, headDim, $"{node}.{name}");
        }
        var attended = heads > 1
            ? g.ShapeOp(ShapeKind.Concat, "Concat", [batch, height * width, channels], $"{node}.attn.merge",
                Part("horizontal", hWindows, hTokens, halfHeads), Part("vertical", vWindows, vTokens, heads - halfHeads))
            : g.ShapeOp(ShapeKind.Reshape, "MergeHeads", [batch, height * width, channels], $"{node}.attn.merge",
                Part("horizontal", hWindows, hTokens, 1));
        tokens = Add(g, tokens, g.Linear(attended, channels, nodeName: $"{node}.attn.proj"), $"{node}.attn.residual");
        // MixCFN: 1×1 expand, depthwise 3×3 and 5×5 on the two halves, GELU, 1×1 project.
        var map = ToMap(g, LayerNorm(g, tokens, $"{node}.cfn_norm"), height, width, $"{node}.cfn.map");
        long hidden = channels * expansion;
        var e = g.Conv(map, hidden, 1, bias: true, nodeName: $"{node}.cfn.fc1");
        var split = g.Shape(e);
        var lo = g.ShapeOp(ShapeKind.Split, "Split", [split[0], hidden / 2, split[2], split[3]], $"{node}.cfn.split3", e);
        var hi = g.ShapeOp(ShapeKind.Split, "Split", [split[0], hidden / 2, split[2], split[3]], $"{node}.cfn.split5", e);
        var d3 = g.Conv(lo, hidden / 2, 3, 1, 1, hidden / 2, bias: true, nodeName: $"{node}.cfn.dw3");
        var d5 = g.Conv(hi, hidden / 2, 5, 1, 2, hidden / 2, bias: true, nodeName: $"{node}.cfn.dw5");
        var mixed = Activate(g, Cnns.Concat(g, $"{node}.cfn.concat", d3, d5), Activation.Gelu, $"{node}.cfn");
        var projected = g.Conv(mixed, channels, 1, bias: true, nodeName: $"{node}.cfn.fc2");
        var back = ToTokens(g, projected, $"{node}.cfn.tokens");
        tokens = Add(g, tokens, back, $"{node}.cfn.residual");
        return ToMap(g, tokens, height, width, $"{node}.out");
    }

    /// <summary>HRNet-style fusion: every output branch sums all branches, downsampled by strided 3×3 convs or projected by 1×1 and upsampled.</summary>
    private static List<string> Fuse(GraphBuilder g, List<string> branches, string node)
    {
        var outputs = new List<string>();
        for (int j = 0; j < branches.Count; j++)
        {
            var target = g.Shape(branches[j]);
            string sum = branches[j];
            for (int i = 0; i < branches.Count; i++)
            {
                if (i == j) continue;
                var y = branches[i];
                if (i < j)
                    for (int step = i; step < j; step++)
                        y = ConvBnAct(g, y, step == j - 1 ? target[1] : g.Shape(y)[1], 3, 2, $"{node}.{i}to{j}.down{step}",
                            step == j - 1 ? Activation.None : Activation.Relu);
                else
                    y = ResizeTo(g, ConvBnAct(g, y, target[1], 1, 1, $"{node}.{i}to{j}.proj", Activation.None), target[2], target[3], $"{node}.{i}to{j}.up");
                sum = Add(g, sum, y, $"{node}.{i}to{j}.add");
            }
            outputs.Add(Activate(g, sum, Activation.Relu, $"{node}.out{j}"));
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
