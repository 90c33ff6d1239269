using System.Collections.Immutable;

namespace Tessera.Workloads.Zoo;

/// <summary>
/// Building blocks shared by the AR/VR models: activations, resizes, squeeze-excitation, inverted residuals,
/// ResNet bottleneck trunks, weight-shared convolutions (detection heads over pyramid levels), region-of-interest
/// sampling and attention over token sets. All NCHW; names follow the published code's module names loosely.
/// </summary>
internal static class ArVrBlocks
{
    public enum Activation { None, Relu, Relu6, HardSwish, Gelu }

    public static string Activate(GraphBuilder g, string x, Activation act, string node) => act switch
    {
        Activation.Relu => g.Vector(VectorKind.Activation, "Relu", VectorOpCounts.Relu, $"{node}.relu", x),
        Activation.Relu6 => g.Vector(VectorKind.Activation, "Clip", VectorOpCounts.Clip, $"{node}.relu6", x),
        Activation.HardSwish => g.Vector(VectorKind.Activation, "HardSwish", VectorOpCounts.HardSwish, $"{node}.hswish", x),
        Activation.Gelu => g.Vector(VectorKind.Activation, "Gelu", VectorOpCounts.GeluErf, $"{node}.gelu", x),
        _ => x,
    };

    /// <summary>Convolution (no bias), batch norm, activation.</summary>
    public static string ConvBnAct(GraphBuilder g, string x, long outChannels, long kernel, long stride, string node,
        Activation act, long groups = 1)
    {
        var y = Cnns.ConvBn(g, x, outChannels, kernel, stride, kernel / 2, node, Cnns.Act.None, groups);
        return Activate(g, y, act, node);
    }

    /// <summary>Convolution with bias and an activation (no batch norm).</summary>
    public static string ConvAct(GraphBuilder g, string x, long outChannels, long kernel, long stride, string node, Activation act)
    {
        var y = g.Conv(x, outChannels, kernel, stride, kernel / 2, bias: true, nodeName: node);
        return Activate(g, y, act, node);
    }

    public static string Add(GraphBuilder g, string a, string b, string node) =>
        g.Vector(VectorKind.Elementwise, "Add", VectorOpCounts.Add, node, a, b);

    /// <summary>Nearest-neighbour resize to an explicit height and width: a data move.</summary>
    public static string ResizeTo(GraphBuilder g, string x, long height, long width, string node)
    {
        var s = g.Shape(x);
        return g.ShapeOp(ShapeKind.Resize, "Resize", [s[0], s[1], height, width], node, x);
    }

    /// <summary>Bilinear resize: four weighted taps per output element on the vector unit.</summary>
    public static string BilinearTo(GraphBuilder g, string x, long height, long width, string node)
    {
        var s = g.Shape(x);
        return g.VectorTo(VectorKind.Elementwise, "ResizeBilinear", VectorOpCounts.BilinearSample, [s[0], s[1], height, width], node, x);
    }

    public static string Upsample(GraphBuilder g, string x, long factor, string node)
    {
        var s = g.Shape(x);
        return ResizeTo(g, x, s[2] * factor, s[3] * factor, node);
    }

    /// <summary>Squeeze-excitation (Hu et al. 2018): global pool, reduce, ReLU, expand, hard sigmoid, channel scale.</summary>
    public static string SqueezeExcite(GraphBuilder g, string x, long reduced, string node)
    {
        var channels = g.Shape(x)[1];
        var pooled = g.GlobalAvgPool(x, $"{node}.pool");
        var r = g.Conv(pooled, reduced, 1, bias: true, nodeName: $"{node}.reduce");
        r = Activate(g, r, Activation.Relu, $"{node}.reduce");
        var e = g.Conv(r, channels, 1, bias: true, nodeName: $"{node}.expand");
        e = g.Vector(VectorKind.Activation, "HardSigmoid", VectorOpCounts.HardSigmoid, $"{node}.gate", e);
        return g.VectorTo(VectorKind.Elementwise, "Mul", VectorOpCounts.Multiply, g.Shape(x), $"{node}.scale", x, e);
    }

    /// <summary>
    /// Inverted residual (MobileNetV2/FBNet/EfficientNet MBConv): 1×1 expand (skipped at expansion 1), k×k depthwise,
    /// optional squeeze-excitation (reduction to a quarter of the expanded width), 1×1 project; residual when shapes match.
    /// </summary>
    public static string InvertedResidual(GraphBuilder g, string x, long outChannels, long expansion, long kernel, long stride,
        bool squeezeExcite, Activation act, string node)
    {
        const long seReduction = 4;
        long inChannels = g.Shape(x)[1];
        long hidden = inChannels * expansion;
        var y = x;
        if (expansion != 1)
            y = ConvBnAct(g, y, hidden, 1, 1, $"{node}.expand", act);
        y = ConvBnAct(g, y, hidden, kernel, stride, $"{node}.depthwise", act, groups: hidden);
        if (squeezeExcite)
            y = SqueezeExcite(g, y, Math.Max(1, hidden / seReduction), $"{node}.se");
        y = ConvBnAct(g, y, outChannels, 1, 1, $"{node}.project", Activation.None);
        return stride == 1 && inChannels == outChannels ? Add(g, y, x, $"{node}.add") : y;
    }

    /// <summary>
    /// torchvision's ResNet bottleneck trunk (v1.5: stride on the 3×3) with a configurable input-channel count and
    /// stage depths; returns the four stage outputs (strides 4, 8, 16, 32) for pyramids and decoders.
    /// </summary>
    public static ImmutableArray<string> ResNetBottleneckTrunk(GraphBuilder g, string image, int[] blocks, string prefix)
    {
        const long stemWidth = 64, expansion = 4;
        var x = Cnns.ConvBn(g, image, stemWidth, 7, 2, 3, $"{prefix}conv1", Cnns.Act.Relu);
        x = g.Pool(x, "MaxPool", 3, 2, 1, nodeName: $"{prefix}maxpool");
        long inChannels = stemWidth;
        var outputs = ImmutableArray.CreateBuilder<string>();
        for (int stage = 0; stage < blocks.Length; stage++)
        {
            long width = stemWidth << stage, outChannels = width * expansion;
            for (int b = 0; b < blocks[stage]; b++)
            {
                var node = $"{prefix}layer{stage + 1}.{b}";
                long stride = stage > 0 && b == 0 ? 2 : 1;
                var shortcut = stride != 1 || inChannels != outChannels
                    ? Cnns.ConvBn(g, x, outChannels, 1, stride, 0, $"{node}.downsample", Cnns.Act.None)
                    : x;
                var y = Cnns.ConvBn(g, x, width, 1, 1, 0, $"{node}.conv1", Cnns.Act.Relu);
                y = Cnns.ConvBn(g, y, width, 3, stride, 1, $"{node}.conv2", Cnns.Act.Relu);
                y = Cnns.ConvBn(g, y, outChannels, 1, 1, 0, $"{node}.conv3", Cnns.Act.None);
                x = Activate(g, Add(g, y, shortcut, $"{node}.add"), Activation.Relu, node);
                inChannels = outChannels;
            }
            outputs.Add(x);
        }
        return outputs.ToImmutable();
    }

    /// <summary>
    /// A convolution whose weights an earlier call created (detection heads share one head over every pyramid level):
    /// the MACs are counted per level, the parameters once.
    /// </summary>
    public static string SharedConv(GraphBuilder g, string x, string weight, string? bias, long padding, string node)
    {
        var s = g.Shape(x);
        var w = g.Shape(weight);
        long outChannels = w[0], kernel = w[2];
        long outH = GraphBuilder.ConvOutput(s[2], kernel, 1, padding), outW = GraphBuilder.ConvOutput(s[3], kernel, 1, padding);
        var y = g.AddTensor($"{node}.out", [s[0], outChannels, outH, outW], TensorKind.Activation);
        var nest = LoopNests.Convolution(x, weight, y, s[0], 1, outChannels, s[1], outH, outW, kernel, kernel,
            inputBits: g.Bits, weightBits: g.Bits, outputBits: g.Bits, paddingY: padding, paddingX: padding);
        var inputs = bias is null ? ImmutableArray.Create(x, weight) : ImmutableArray.Create(x, weight, bias);
        g.Add(new ComputeOperator(node, "Conv", inputs, [y], nest));
        return y;
    }

    /// <summary>
    /// Proposal selection (box decoding + NMS) down to a fixed number of regions: its output is [regions, 4] boxes.
    /// Dynamic in the real network; fixed here so the graph is static.
    /// </summary>
    public static string Proposals(GraphBuilder g, long regions, string node, params string[] scoresAndDeltas)
    {
        var candidates = scoresAndDeltas.Sum(t => g[t].Elements);
        var y = g.VectorTo(VectorKind.Reduction, "Proposals", VectorOpCounts.ProposalFilter * candidates / (regions * BoxCoordinates),
            [regions, BoxCoordinates], node, scoresAndDeltas);
        return y;
    }

    public const long BoxCoordinates = 4;

    /// <summary>RoIAlign: every region sampled to size×size bins of the feature map(s), one bilinear sample per bin.</summary>
    public static string RoiAlign(GraphBuilder g, string boxes, long size, string node, params string[] features)
    {
        long regions = g.Shape(boxes)[0], channels = g.Shape(features[0])[1];
        return g.VectorTo(VectorKind.Gather, "RoiAlign", VectorOpCounts.BilinearSample, [regions, channels, size, size], node,
            [.. features, boxes]);
    }

    /// <summary>
    /// Scaled dot-product attention of query tokens against key tokens in independent groups (windows, stripes,
    /// heads): q [groups, queries, d], k and v [groups, keys, d] → [groups, queries, d]. Kᵀ is a strided view.
    /// </summary>
    public static string Attention(GraphBuilder g, string q, string k, string v, long groups, long queries, long keys, long headDim, string node)
    {
        var qh = g.ShapeOp(ShapeKind.Reshape, "SplitHeads", [groups, queries, headDim], $"{node}.q_heads", q);
        var kt = g.ShapeOp(ShapeKind.Reshape, "SplitHeadsTransposed", [groups, headDim, keys], $"{node}.k_heads", k);
        var vh = g.ShapeOp(ShapeKind.Reshape, "SplitHeads", [groups, keys, headDim], $"{node}.v_heads", v);
        var scores = g.BatchedMatMul(qh, kt, groups, queries, keys, headDim, $"{node}.scores");
        var p = g.Vector(VectorKind.Softmax, "Softmax", VectorOpCounts.Softmax, $"{node}.softmax", scores);
        return g.BatchedMatMul(p, vh, groups, queries, headDim, keys, $"{node}.context");
    }

    public static string LayerNorm(GraphBuilder g, string x, string node)
    {
        // γ and β over the last axis (features of a token) or the channel axis of an NCHW map.
        var s = g.Shape(x);
        long features = s.Length == 4 ? s[1] : s[^1];
        var w = g.Parameter($"{node}.weight", 2, features);
        return g.Vector(VectorKind.LayerNorm, "LayerNormalization", VectorOpCounts.LayerNorm, node, x, w);
    }

    /// <summary>Flattens an NCHW map to [batch, H·W, C] tokens (a layout change attention kernels read in place).</summary>
    public static string ToTokens(GraphBuilder g, string x, string node)
    {
        var s = g.Shape(x);
        return g.ShapeOp(ShapeKind.Reshape, "ToTokens", [s[0], s[2] * s[3], s[1]], node, x);
    }

    public static string ToMap(GraphBuilder g, string tokens, long height, long width, string node)
    {
        var s = g.Shape(tokens);
        return g.ShapeOp(ShapeKind.Reshape, "ToMap", [s[0], s[2], height, width], node, tokens);
    }
}
