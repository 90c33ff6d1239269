namespace Tessera.Workloads.Zoo;

/// <summary>
/// The convolutional networks of the zoo, layer for layer as torchvision defines them (ResNet v1.5,
/// MobileNetV2, GoogLeNet) and as Ronneberger et al. 2015 define U-Net. NCHW, batch and bits from the options.
/// </summary>
internal static class Cnns
{
    /// <summary>torchvision's ImageNet input and class count.</summary>
    private const long ImageSize = 224, ImageChannels = 3, Classes = 1000;

    public static ModelGraph ResNet18(ModelOptions o) => ResNet("resnet18", o, bottleneck: false, [2, 2, 2, 2]);

    public static ModelGraph ResNet50(ModelOptions o) => ResNet("resnet50", o, bottleneck: true, [3, 4, 6, 3]);

    /// <summary>torchvision ResNet: 7×7/2 stem, 3×3/2 max pool, four stages of widths 64·2^i, global pool, FC.</summary>
    private static ModelGraph ResNet(string name, ModelOptions o, bool bottleneck, int[] blocks)
    {
        var g = new GraphBuilder(name, o.Bits);
        var x = g.Input("image", o.Batch, ImageChannels, ImageSize, ImageSize);
        x = ConvBn(g, x, 64, 7, 2, 3, "conv1", Act.Relu);
        x = g.Pool(x, "MaxPool", 3, 2, 1, nodeName: "maxpool");
        long inChannels = 64;
        long expansion = bottleneck ? 4 : 1;   // Bottleneck widens its output ×4 (He et al. 2016).
        for (int stage = 0; stage < blocks.Length; stage++)
        {
            long width = 64L << stage;
            for (int b = 0; b < blocks[stage]; b++)
            {
                var node = $"layer{stage + 1}.{b}";
                long stride = stage > 0 && b == 0 ? 2 : 1;
                long outChannels = width * expansion;
                var shortcut = x;
                if (stride != 1 || inChannels != outChannels)
                    shortcut = ConvBn(g, x, outChannels, 1, stride, 0, $"{node}.downsample", Act.None);
                var y = bottleneck
                    ? ConvBn(g, ConvBn(g, ConvBn(g, x, width, 1, 1, 0, $"{node}.conv1", Act.Relu),
                        width, 3, stride, 1, $"{node}.conv2", Act.Relu), outChannels, 1, 1, 0, $"{node}.conv3", Act.None)
                    : ConvBn(g, ConvBn(g, x, width, 3, stride, 1, $"{node}.conv1", Act.Relu),
                        width, 3, 1, 1, $"{node}.conv2", Act.None);
                y = g.Vector(VectorKind.Elementwise, "Add", VectorOpCounts.Add, $"{node}.add", y, shortcut);
                x = g.Vector(VectorKind.Activation, "Relu", VectorOpCounts.Relu, $"{node}.relu", y);
                inChannels = outChannels;
            }
        }
        Classifier(g, x);
        return g.Build();
    }

    /// <summary>torchvision MobileNetV2, width 1.0: inverted residual settings (t, c, n, s) of Sandler et al. 2018.</summary>
    public static ModelGraph MobileNetV2(ModelOptions o)
    {
        int[][] settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
        const long stemChannels = 32, lastChannels = 1280;
        var g = new GraphBuilder("mobilenetv2", o.Bits);
        var x = g.Input("image", o.Batch, ImageChannels, ImageSize, ImageSize);
        x = ConvBn(g, x, stemChannels, 3, 2, 1, "features.0", Act.Relu6);
        long inChannels = stemChannels;
        int index = 1;
        foreach (var s in settings)
        {
            var (t, c, n, stride) = (s[0], s[1], s[2], s[3]);
            for (int i = 0; i < n; i++, index++)
            {
                var node = $"features.{index}";
                long hidden = inChannels * t;
                long blockStride = i == 0 ? stride : 1;
                var y = x;
                if (t != 1)
                    y = ConvBn(g, y, hidden, 1, 1, 0, $"{node}.expand", Act.Relu6);
                y = ConvBn(g, y, hidden, 3, blockStride, 1, $"{node}.depthwise", Act.Relu6, groups: hidden);
                y = ConvBn(g, y, c, 1, 1, 0, $"{node}.project", Act.None);
                // The residual exists only where shapes match (torchvision's use_res_connect).
                if (blockStride == 1 && inChannels == c)
                    y = g.Vector(VectorKind.Elementwise, "Add", VectorOpCounts.Add, $"{node}.add", y, x);
                x = y;
                inChannels = c;
            }
        }
        x = ConvBn(g, x, lastChannels, 1, 1, 0, $"features.{index}", Act.Relu6);
        Classifier(g, x);
        return g.Build();
    }

    /// <summary>torchvision GoogLeNet (Inception v1) without auxiliary heads; its "5×5" branch uses a 3×3 kernel.</summary>
    public static ModelGraph GoogLeNet(ModelOptions o)
    {
        var g = new GraphBuilder("googlenet", o.Bits);
        var x = g.Input("image", o.Batch, ImageChannels, ImageSize, ImageSize);
        x = ConvBn(g, x, 64, 7, 2, 3, "conv1", Act.Relu);
        x = g.Pool(x, "MaxPool", 3, 2, ceilMode: true, nodeName: "maxpool1");
        x = ConvBn(g, x, 64, 1, 1, 0, "conv2", Act.Relu);
        x = ConvBn(g, x, 192, 3, 1, 1, "conv3", Act.Relu);
        x = g.Pool(x, "MaxPool", 3, 2, ceilMode: true, nodeName: "maxpool2");
        // (1×1, 3×3 reduce, 3×3, "5×5" reduce, "5×5", pool projection) from torchvision's googlenet.py.
        x = Inception(g, x, "inception3a", 64, 96, 128, 16, 32, 32);
        x = Inception(g, x, "inception3b", 128, 128, 192, 32, 96, 64);
        x = g.Pool(x, "MaxPool", 3, 2, ceilMode: true, nodeName: "maxpool3");
        x = Inception(g, x, "inception4a", 192, 96, 208, 16, 48, 64);
        x = Inception(g, x, "inception4b", 160, 112, 224, 24, 64, 64);
        x = Inception(g, x, "inception4c", 128, 128, 256, 24, 64, 64);
        x = Inception(g, x, "inception4d", 112, 144, 288, 32, 64, 64);
        x = Inception(g, x, "inception4e", 256, 160, 320, 32, 128, 128);
        x = g.Pool(x, "MaxPool", 2, 2, ceilMode: true, nodeName: "maxpool4");
        x = Inception(g, x, "inception5a", 256, 160, 320, 32, 128, 128);
        x = Inception(g, x, "inception5b", 384, 192, 384, 48, 128, 128);
        Classifier(g, x);
        return g.Build();
    }

    private static string Inception(GraphBuilder g, string x, string node,
        long ch1, long ch3Reduce, long ch3, long ch5Reduce, long ch5, long poolProjection)
    {
        var b1 = ConvBn(g, x, ch1, 1, 1, 0, $"{node}.branch1", Act.Relu);
        var b2 = ConvBn(g, ConvBn(g, x, ch3Reduce, 1, 1, 0, $"{node}.branch2.0", Act.Relu),
            ch3, 3, 1, 1, $"{node}.branch2.1", Act.Relu);
        var b3 = ConvBn(g, ConvBn(g, x, ch5Reduce, 1, 1, 0, $"{node}.branch3.0", Act.Relu),
            ch5, 3, 1, 1, $"{node}.branch3.1", Act.Relu);
        var pooled = g.Pool(x, "MaxPool", 3, 1, 1, ceilMode: true, nodeName: $"{node}.branch4.pool");
        var b4 = ConvBn(g, pooled, poolProjection, 1, 1, 0, $"{node}.branch4.1", Act.Relu);
        return Concat(g, $"{node}.concat", b1, b2, b3, b4);
    }

    /// <summary>
    /// U-Net (Ronneberger et al. 2015) on SCAR's 512×512×1 input with padding 1 so that sizes halve cleanly:
    /// two 3×3 conv + ReLU (with bias, no batch norm) per level, 64→1024 channels over 4 down and 4 up steps,
    /// 2×2 max pool down, 2×2 stride-2 up-convolution halving the channels, skip concatenation, 1×1 conv to 2 classes.
    /// </summary>
    public static ModelGraph UNet(ModelOptions o)
    {
        const long size = 512, inChannels = 1, baseChannels = 64, classes = 2;
        const int levels = 4;
        var g = new GraphBuilder("unet", o.Bits);
        var x = g.Input("image", o.Batch, inChannels, size, size);
        var skips = new List<string>();
        long channels = baseChannels;
        for (int level = 0; level < levels; level++, channels *= 2)
        {
            x = DoubleConv(g, x, channels, $"down{level}");
            skips.Add(x);
            x = g.Pool(x, "MaxPool", 2, 2, nodeName: $"down{level}.pool");
        }
        x = DoubleConv(g, x, channels, "bottom");
        for (int level = levels - 1; level >= 0; level--)
        {
            channels /= 2;
            var up = g.ConvTranspose(x, channels, 2, nodeName: $"up{level}.upconv");
            x = Concat(g, $"up{level}.concat", skips[level], up);
            x = DoubleConv(g, x, channels, $"up{level}");
        }
        g.Conv(x, classes, 1, bias: true, nodeName: "head");
        return g.Build();
    }

    private static string DoubleConv(GraphBuilder g, string x, long channels, string node)
    {
        for (int i = 1; i <= 2; i++)
        {
            x = g.Conv(x, channels, 3, 1, 1, bias: true, nodeName: $"{node}.conv{i}");
            x = g.Vector(VectorKind.Activation, "Relu", VectorOpCounts.Relu, $"{node}.relu{i}", x);
        }
        return x;
    }

    internal enum Act { None, Relu, Relu6 }

    /// <summary>Convolution without bias, batch norm (γ and β as a [2, C] parameter), optional activation.</summary>
    internal static string ConvBn(GraphBuilder g, string x, long outChannels, long kernel, long stride, long padding,
        string node, Act act, long groups = 1)
    {
        var y = g.Conv(x, outChannels, kernel, stride, padding, groups, bias: false, nodeName: node);
        var bn = g.Parameter($"{node}.bn.weight", 2, outChannels);
        y = g.Vector(VectorKind.BatchNorm, "BatchNormalization", VectorOpCounts.BatchNorm, $"{node}.bn", y, bn);
        return act switch
        {
            Act.Relu => g.Vector(VectorKind.Activation, "Relu", VectorOpCounts.Relu, $"{node}.relu", y),
            Act.Relu6 => g.Vector(VectorKind.Activation, "Clip", VectorOpCounts.Clip, $"{node}.relu6", y),
            _ => y,
        };
    }

    internal static string Concat(GraphBuilder g, string node, params string[] inputs)
    {
        var s = g.Shape(inputs[0]);
        long channels = inputs.Sum(i => g.Shape(i)[1]);
        return g.ShapeOp(ShapeKind.Concat, "Concat", [s[0], channels, s[2], s[3]], node, inputs);
    }

    /// <summary>Global average pool, flatten, FC to the 1000 ImageNet classes (dropout is a no-op at inference).</summary>
    private static void Classifier(GraphBuilder g, string x)
    {
        var pooled = g.GlobalAvgPool(x, "avgpool");
        var s = g.Shape(pooled);
        var flat = g.ShapeOp(ShapeKind.Reshape, "Flatten", [s[0], s[1]], "flatten", pooled);
        g.Linear(flat, Classes, bias: true, nodeName: "fc");
    }
}
