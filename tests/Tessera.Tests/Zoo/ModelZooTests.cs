using Tessera.Diagnostics;
using Tessera.Workloads.Zoo;

namespace Tessera.Tests.Zoo;

public class ModelZooTests
{
    [Fact]
    public void Entries_list_the_twenty_two_models_by_family()
    {
        string[] expected =
        [
            "resnet18", "resnet50", "mobilenetv2", "googlenet", "unet",
            "d2go", "planercnn", "midas", "emformer", "hrvit-b1", "hand-pose", "eyecod", "sparse-to-dense", "bert-base", "bert-large", "gpt2-small",
            "gpt2-medium", "gpt2-large", "gpt2-xl", "llama2-7b", "llama3.1-8b", "llama3.1-70b", "llama3.1-405b",
        ];
        Assert.Equal(expected, ModelZoo.Entries.Select(e => e.Name));
        Assert.Equal(5, ModelZoo.Entries.Count(e => e.Family == "cnn"));
        Assert.Equal(8, ModelZoo.Entries.Count(e => e.Family == "ar/vr"));
        Assert.Equal(10, ModelZoo.Entries.Count(e => e.Family == "transformer"));
        Assert.All(ModelZoo.Entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Description)));
    }

    [Fact]
    public void Names_are_case_insensitive()
    {
        Assert.Equal(ModelZoo.Create("resnet18").Macs, ModelZoo.Create("ResNet18").Macs);
        Assert.Equal(ModelZoo.Create("llama3.1-8b").ParameterCount, ModelZoo.Create("LLAMA3.1-8B").ParameterCount);
    }

    [Fact]
    public void An_unknown_name_lists_the_known_ones()
    {
        var e = Assert.Throws<TesseraInputException>(() => ModelZoo.Create("alexnet"));
        Assert.StartsWith("unknown model 'alexnet'; expected one of: resnet18, resnet50,", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("llama3.1-405b", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 8, 128, 1024)]
    [InlineData(1, 0, 128, 1024)]
    [InlineData(1, 8, 0, 1024)]
    [InlineData(1, 8, 128, 0)]
    public void Non_positive_options_are_rejected(int batch, int bits, int sequence, int context)
    {
        Assert.Throws<TesseraInputException>(() =>
            ModelZoo.Create("gpt2-small", new ModelOptions(batch, bits, TransformerPhase.Prefill, sequence, context)));
    }

    [Fact]
    public void Every_model_builds_in_both_phases_where_defined()
    {
        foreach (var entry in ModelZoo.Entries)
        {
            var g = ModelZoo.Create(entry.Name);
            Assert.True(g.Macs > 0);
            if (entry.Family == "transformer" && !entry.Name.StartsWith("bert", StringComparison.Ordinal))
                Assert.True(ModelZoo.Create(entry.Name, new ModelOptions(Phase: TransformerPhase.Decode)).Macs > 0);
        }
    }
}
