namespace Tessera.Workloads.Zoo;

/// <summary>Which half of transformer inference a graph models.</summary>
public enum TransformerPhase { Prefill, Decode }

/// <summary>
/// Options for building a zoo model: batch, element width, and for transformers the phase, the prompt
/// length S (prefill) and the KV-cache length L (decode).
/// </summary>
public sealed record ModelOptions(
    int Batch = 1, int Bits = 8, TransformerPhase Phase = TransformerPhase.Prefill,
    int SequenceLength = 128, int ContextLength = 1024);

/// <summary>A zoo entry: name, family and one-line description.</summary>
public sealed record ZooEntry(string Name, string Family, string Description);

/// <summary>The built-in models.</summary>
public static class ModelZoo
{
    public static IReadOnlyList<ZooEntry> Entries => throw new NotImplementedException();

    public static ModelGraph Create(string name, ModelOptions? options = null) => throw new NotImplementedException();
}
