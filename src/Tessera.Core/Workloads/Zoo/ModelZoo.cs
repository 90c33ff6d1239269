using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Workloads.Zoo;

/// <summary>Which half of transformer inference a graph models.</summary>
public enum TransformerPhase { Prefill, Decode }

/// <summary>
/// Options for building a zoo model: batch, element width, and for transformers the phase, the prompt
/// length S (prefill), the KV-cache length L (decode) and the tokens a decode step processes (1; γ + 1 to verify
/// a speculative draft).
/// </summary>
public sealed record ModelOptions(
    int Batch = 1, int Bits = 8, TransformerPhase Phase = TransformerPhase.Prefill,
    int SequenceLength = 128, int ContextLength = 1024, int DecodeTokens = 1);

/// <summary>A zoo entry: name, family and one-line description.</summary>
public sealed record ZooEntry(string Name, string Family, string Description);

/// <summary>The built-in models.</summary>
public static class ModelZoo
{
    private sealed record Model(ZooEntry Entry, Func<ModelOptions, ModelGraph> Create);

    private const string Cnn = "cnn", Transformer = "transformer", ArVrFamily = "ar/vr";

    private static readonly ImmutableArray<Model> Models =
    [
        new(new("resnet18", Cnn, "ResNet-18, 224×224×3 (torchvision resnet18)"), Cnns.ResNet18),
        new(new("resnet50", Cnn, "ResNet-50 v1.5, 224×224×3 (torchvision resnet50)"), Cnns.ResNet50),
        new(new("mobilenetv2", Cnn, "MobileNetV2 width 1.0, 224×224×3 (torchvision mobilenet_v2)"), Cnns.MobileNetV2),
        new(new("googlenet", Cnn, "GoogLeNet / Inception v1 without aux heads, 224×224×3 (torchvision googlenet)"), Cnns.GoogLeNet),
        new(new("unet", Cnn, "U-Net 512×512×1, padding 1, 2 classes (Ronneberger et al. 2015, as in SCAR)"), Cnns.UNet),
        // SCAR's AR/VR scenarios 6–10 (XRBench tasks); sources and approximations in docs/arvr-models.md.
        new(new("d2go", ArVrFamily, "D2Go Faster R-CNN FBNetV3-A C4, 640×480, 100 proposals (Dai et al. 2020)"), ArVr.D2Go),
        new(new("planercnn", ArVrFamily, "PlaneRCNN: Mask R-CNN ResNet-101 FPN + depth, 640×480 (Liu et al. 2019)"), ArVr.PlaneRcnn),
        new(new("midas", ArVrFamily, "MiDaS v2.1 small: EfficientNet-Lite3 + fusion decoder, 256×256 (Ranftl et al. 2020)"), ArVr.Midas),
        new(new("emformer", ArVrFamily, "Emformer RNN-T transcriber, 20×512, one 16+4-frame streaming step (Shi et al. 2021)"), ArVr.Emformer),
        new(new("hrvit-b1", ArVrFamily, "HRViT-b1 segmentation, 512×512, 150 classes (Gu et al. 2022)"), ArVr.HrVitB1),
        new(new("hand-pose", ArVrFamily, "3-D hand shape/pose: hourglass + graph CNN, 256×256 (Ge et al. 2019)"), ArVr.HandPose),
        new(new("eyecod", ArVrFamily, "EyeCod eye tracking: RITNet 640×400 + FBNet-C gaze on a 128×128 ROI (You et al. 2022)"), ArVr.EyeCod),
        new(new("sparse-to-dense", ArVrFamily, "Sparse-to-Dense depth completion: ResNet-50 + UpProj, RGBd 228×304 (Ma & Karaman 2018)"), ArVr.SparseToDense),
        .. TransformerConfigs.All.Select(c => new Model(
            new(c.Name, Transformer, Describe(c)), o => TransformerGenerator.Build(c, o))),
    ];

    private static readonly ImmutableDictionary<string, Model> ByName =
        Models.ToImmutableDictionary(m => m.Entry.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every model: CNNs, the AR/VR models, then transformers.</summary>
    public static IReadOnlyList<ZooEntry> Entries { get; } = [.. Models.Select(m => m.Entry)];

    /// <summary>Builds a zoo model by name (case-insensitive).</summary>
    public static ModelGraph Create(string name, ModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!ByName.TryGetValue(name, out var model))
            throw new TesseraInputException(
                $"unknown model '{name}'; expected one of: {string.Join(", ", Entries.Select(e => e.Name))}");
        var o = Validate(options ?? new ModelOptions());
        return Sized(name, o, () => model.Create(o));
    }

    /// <summary>Builds a transformer from any configuration, e.g. one written in a scenario file.</summary>
    public static ModelGraph CreateTransformer(TransformerConfig config, ModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var o = Validate(options ?? new ModelOptions());
        // Every block is several operators: a block count past the operator budget is refused before any is built.
        Limits.Check(null, $"{config.Name}: its block count", config.Layers, Limits.Current.Operators, "operators");
        return Sized(config.Name, o, () => TransformerGenerator.Build(config, o));
    }

    /// <summary>
    /// Builds the graph; a batch or length so large that a tensor's element count overflows 64 bits is the request's
    /// fault, reported as bad input naming the sizes rather than as an arithmetic crash.
    /// </summary>
    private static ModelGraph Sized(string name, ModelOptions o, Func<ModelGraph> build)
    {
        try { return build(); }
        catch (OverflowException e)
        {
            throw new TesseraInputException($"model '{name}' with batch {o.Batch}, sequence {o.SequenceLength} and context {o.ContextLength} has a tensor of more than 2^63 elements; expected smaller sizes", e);
        }
    }

    private static ModelOptions Validate(ModelOptions o)
    {
        if (o.Batch <= 0 || o.Bits <= 0 || o.SequenceLength <= 0 || o.ContextLength <= 0 || o.DecodeTokens <= 0)
            throw new TesseraInputException(
                $"model options need positive batch, bits, sequence and context lengths and decode tokens; got {o}");
        if (o.Bits > Limits.MaxOperandBits)
            throw new TesseraInputException($"{o.Bits} bits per value; expected 1 to {Limits.MaxOperandBits}");
        return o;
    }

    private static string Describe(TransformerConfig c)
    {
        var attention = c.KvHeads == c.Heads ? $"{c.Heads} heads" : $"{c.Heads} heads / {c.KvHeads} KV heads";
        return $"{c.Layers} layers, hidden {c.Hidden}, {attention}, FFN {c.FfnSize}{(c.GatedFfn ? " (gated)" : "")}, " +
            $"vocab {c.Vocab} (published config.json, reference/models.md)";
    }
}
