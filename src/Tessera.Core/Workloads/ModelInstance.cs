namespace Tessera.Workloads;

/// <summary>
/// One model of a scenario with the graph built at its batch size. <see cref="MiniBatchSize"/>, when set, is the number
/// of whole samples a pipelined chiplet processes at a time (SCAR's b′ ≤ b).
/// </summary>
public sealed record ModelInstance(string Label, ModelGraph Graph, int Batch)
{
    public int? MiniBatchSize { get; init; }
}
