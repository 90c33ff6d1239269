using Tessera.Costs;
using Tessera.Search.Scar;
using Tessera.Workloads;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Search;

/// <summary>SCAR's layer view: non-MAC operators folded into the MAC operator before them.</summary>
public class ScarLayerViewTests
{
    [Theory]
    // ResNet-50: 49 convolutions on the main path, 4 projection shortcuts and the classifier.
    [InlineData("resnet50", 54)]
    // BERT-large: per block Q, K, V, scores, context, output projection, FFN up and down (8 × 24), and the pooler.
    [InlineData("bert-large", 8 * 24 + 1)]
    // GPT-2 large: 8 × 36 and the LM head.
    [InlineData("gpt2-large", 8 * 36 + 1)]
    [InlineData("googlenet", 58)]
    [InlineData("unet", 23)]
    public void The_folded_view_has_one_layer_per_mac_operator_and_keeps_every_operator(string name, int macLayers)
    {
        var graph = ModelZoo.Create(name, new ModelOptions(SequenceLength: 16));
        var starts = LayerViews.Starts(graph, LayerView.Mac);
        int layers = starts.Length - 1;
        Assert.Equal(macLayers, layers);
        Assert.Equal(graph.Operators.Count(o => o is ComputeOperator), layers);
        // Contiguous, in order, from the first operator to the last: every operator is in exactly one layer.
        Assert.Equal(0, starts[0]);
        Assert.Equal(graph.Operators.Length, starts[^1]);
        Assert.All(Enumerable.Range(0, layers), l => Assert.True(starts[l] < starts[l + 1]));
        // Each layer holds exactly one MAC operator, and every operator joins a layer no earlier than its producers'.
        var layerOf = new int[graph.Operators.Length];
        for (int l = 0; l < layers; l++)
        {
            Assert.Single(graph.Operators.Skip(starts[l]).Take(starts[l + 1] - starts[l]), o => o is ComputeOperator);
            for (int i = starts[l]; i < starts[l + 1]; i++) layerOf[i] = l;
        }
        var index = graph.Operators.Select((o, i) => (o.Name, i)).ToDictionary(p => p.Name, p => p.i);
        for (int i = 0; i < graph.Operators.Length; i++)
            foreach (var input in graph.Operators[i].Inputs)
                if (graph.Producers.TryGetValue(input, out var producer))
                    Assert.True(layerOf[index[producer.Name]] <= layerOf[i]);
        // The operator view is the identity.
        Assert.Equal(Enumerable.Range(0, graph.Operators.Length + 1), LayerViews.Starts(graph, LayerView.Operators));
    }

    [Fact]
    public void Scar_over_mac_layers_cuts_windows_and_segments_only_before_mac_operators()
    {
        var models = new ModelInstance[]
        {
            new("gpt2-small", ModelZoo.Create("gpt2-small", new ModelOptions(Batch: 1, SequenceLength: 32)), 1),
            new("bert-base", ModelZoo.Create("bert-base", new ModelOptions(Batch: 2, SequenceLength: 32)), 2) { MiniBatchSize = 1 },
        };
        var package = ScarSchedulerTests.Grid(3, 3, checkerboard: true);
        var result = new ScarSearch(package, models, new RooflineCostModel(), new ScarOptions(Splits: 2, TopK: 2, Layers: LayerView.Mac)).Run("fold");
        foreach (var model in models)
        {
            var ops = model.Graph.Operators;
            var plans = result.Windows.SelectMany(w => w.Models).Where(p => p.Model == model.Label).ToList();
            // The windows cover the model's operators once, in order.
            Assert.Equal(ops.Length, plans.Sum(p => p.Layers.Count));
            foreach (var segment in plans.SelectMany(p => p.Segments))
                Assert.True(segment.FirstOperator == 0 || ops[segment.FirstOperator] is ComputeOperator,
                    $"{model.Label} segment starts at {ops[segment.FirstOperator].Name}");
            Assert.Equal(ops.Length, plans.SelectMany(p => p.Segments).Sum(s => s.OperatorCount));
        }
    }
}
