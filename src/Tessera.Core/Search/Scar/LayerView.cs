using Tessera.Diagnostics;
using Tessera.Workloads;

namespace Tessera.Search.Scar;

/// <summary>What SCAR's windows and segments are cut between.</summary>
public enum LayerView
{
    /// <summary>Every operator is a layer (norms, activations, residual adds and reshapes included).</summary>
    Operators,

    /// <summary>
    /// SCAR's layers: one per MAC operator (convolution, matrix product), with the non-MAC operators after it folded in
    /// (the operators before the first MAC operator join the first layer).
    /// </summary>
    Mac,
}

/// <summary>The layers of a model under a <see cref="LayerView"/>, as the first operator of each.</summary>
public static class LayerViews
{
    /// <summary>operators or mac.</summary>
    public static LayerView Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "operators" => LayerView.Operators,
        "mac" => LayerView.Mac,
        _ => throw new TesseraInputException($"layers '{text}'; expected operators or mac"),
    };

    public static string Spelling(LayerView view) => view == LayerView.Mac ? "mac" : "operators";

    /// <summary>
    /// The first operator (topological index) of each layer, then the operator count. Under <see cref="LayerView.Mac"/> a
    /// layer starts at each MAC operator and holds the non-MAC operators up to the next one: in topological order each of
    /// those comes after its producers, so it joins its producer's layer or a later one, never an earlier. A model
    /// without a MAC operator is one layer.
    /// </summary>
    public static int[] Starts(ModelGraph graph, LayerView view)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var ops = graph.Operators;
        if (view == LayerView.Operators) return [.. Enumerable.Range(0, ops.Length + 1)];
        var starts = Enumerable.Range(0, ops.Length).Where(i => ops[i] is ComputeOperator).ToList();
        if (starts.Count == 0) starts.Add(0);
        else starts[0] = 0;
        starts.Add(ops.Length);
        return [.. starts];
    }
}
