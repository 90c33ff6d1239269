using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Scenarios;

namespace Tessera.Experiments;

/// <summary>
/// A model of a SCAR scenario: the zoo name, the batch, and for AR/VR the XRBench frame-rate target (frames/s),
/// whose inverse is the model's latency limit for one frame.
/// </summary>
public sealed record ScarScenarioModel(string Model, int Batch, double? FramesPerSecond = null)
{
    /// <summary>1 / fps: the time one frame may take; null for datacenter models.</summary>
    public double? DeadlineSeconds => FramesPerSecond is { } fps ? 1 / fps : null;
}

/// <summary>One of SCAR's ten evaluation scenarios (Odema et al., MICRO 2024; ../shared/reference/scar.md).</summary>
public sealed record ScarScenario(int Number, string Domain, ImmutableArray<ScarScenarioModel> Models)
{
    public bool IsArVr => Models.Any(m => m.FramesPerSecond is not null);

    /// <summary>The scenario on one package: language models at sequence length 128, AR/VR models one frame each.</summary>
    public Scenario On(string hardware) => new($"scar-scenario-{Number}", hardware,
        [.. Models.Select(m => new ModelRequest(m.Model, m.Batch, SequenceLength: ScarScenarios.SequenceLength))]);
}

/// <summary>
/// SCAR's scenarios 1–10 in one place, so the experiments, the tests and the docs use the same definitions.
/// Datacenter scenarios (1–5) give batches; AR/VR scenarios (6–10) give XRBench frame-rate targets and run one
/// frame per model (batch 1).
/// </summary>
public static class ScarScenarios
{
    /// <summary>SCAR runs its language models at sequence length 128.</summary>
    public const int SequenceLength = 128;

    private static ScarScenarioModel Batch(string model, int batch) => new(model, batch);

    private static ScarScenarioModel Fps(string model, double fps) => new(model, 1, fps);

    public static ImmutableArray<ScarScenario> All { get; } =
    [
        new(1, "datacenter, language", [Batch("gpt2-large", 1), Batch("bert-large", 3)]),
        new(2, "datacenter, language + image", [Batch("gpt2-large", 1), Batch("bert-large", 3), Batch("resnet50", 1)]),
        new(3, "datacenter, language + image", [Batch("gpt2-large", 1), Batch("bert-large", 3), Batch("resnet50", 32)]),
        new(4, "datacenter + segmentation", [Batch("gpt2-large", 8), Batch("bert-large", 24), Batch("unet", 1), Batch("resnet50", 32)]),
        new(5, "datacenter",
        [
            Batch("gpt2-large", 8), Batch("bert-large", 24), Batch("unet", 1), Batch("resnet50", 32),
            Batch("bert-base", 24), Batch("googlenet", 32),
        ]),
        new(6, "AR assistant", [Fps("d2go", 10), Fps("planercnn", 15), Fps("midas", 30), Fps("emformer", 3)]),
        new(7, "AR gaming", [Fps("hrvit-b1", 10), Fps("planercnn", 15), Fps("hand-pose", 45), Fps("midas", 30)]),
        new(8, "outdoors", [Fps("d2go", 30), Fps("emformer", 3)]),
        new(9, "social", [Fps("eyecod", 60), Fps("hand-pose", 30), Fps("sparse-to-dense", 30)]),
        new(10, "VR gaming", [Fps("eyecod", 60), Fps("hand-pose", 45)]),
    ];

    public static ImmutableArray<ScarScenario> Datacenter => [.. All.Where(s => !s.IsArVr)];

    public static ImmutableArray<ScarScenario> ArVr => [.. All.Where(s => s.IsArVr)];

    /// <summary>Scenario 1–10; an input error otherwise.</summary>
    public static ScarScenario Get(int number) => All.FirstOrDefault(s => s.Number == number)
        ?? throw new TesseraInputException($"SCAR scenario {number}; expected 1 to {All.Length}");
}
