using Tessera.Workloads;

namespace Tessera.Search.Scar;

/// <summary>
/// The part of a model that runs in one time window: its operators in the range, where activations made in an
/// earlier window become model inputs (read back from DRAM, since windows are barriers) and tensors that only later
/// windows read become outputs (written to DRAM). A tensor read both inside and after the window stays on chip for
/// its readers inside and is read from DRAM by the later window.
/// </summary>
public static class WindowSlice
{
    public static ModelInstance Of(ModelInstance model, LayerRange range)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        if (range.First == 0 && range.Count == graph.Operators.Length) return model;
        var ops = graph.Operators.Skip(range.First).Take(range.Count).ToList();
        var produced = ops.SelectMany(o => o.Outputs).ToHashSet(StringComparer.Ordinal);
        var tensors = ops.SelectMany(o => o.Inputs.Concat(o.Outputs)).Distinct(StringComparer.Ordinal)
            .Select(name => graph.Tensors[name])
            .Select(t => t.Kind == TensorKind.Activation && !produced.Contains(t.Name) ? t with { Kind = TensorKind.ModelInput } : t);
        return model with { Graph = new ModelGraph(graph.Name, tensors, ops) };
    }
}
