namespace Tessera.Workloads;

/// <summary>One model of a scenario with the graph built at its batch size.</summary>
public sealed record ModelInstance(string Label, ModelGraph Graph, int Batch);
