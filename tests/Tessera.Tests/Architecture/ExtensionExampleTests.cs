using System.Text.RegularExpressions;
using Tessera.Costs;
using Tessera.Experiments;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Studies;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Tests.Architecture;

/// <summary>The extension examples of docs/architecture.md compile (they are in this assembly), run and are quoted exactly.</summary>
public sealed partial class ExtensionExampleTests
{
    private static readonly Scenario Small = new("small", "scar-2x2-het", [new ModelRequest("resnet18")]);

    [Fact]
    public void The_example_scheduler_places_operator_i_on_core_i_mod_n_and_is_simulated()
    {
        var (_, problem, _) = new ScenarioRunner().Prepare(Small);
        var result = new RoundRobinScheduler().Schedule(problem, null, CancellationToken.None);
        var cores = CoreRef.All(problem.Package).Select(c => c.Ref.Chiplet).ToList();
        var placements = result.Require().Placements;
        var ops = problem.Models[0].Graph.Operators;
        Assert.Equal(ops.Length, placements.Length);
        foreach (var p in placements)
            Assert.Equal(cores[ops.IndexOf(ops.First(o => o.Name == p.Operator)) % cores.Count], p.Chiplet);
        Assert.True(result.Require().LatencySeconds > 0);
    }

    [Fact]
    public void The_example_cost_model_is_a_lower_bound_of_the_loop_nest_model()
    {
        var core = TestHardware.Core();
        var offChip = TestHardware.OffChip(8, 10);
        var nest = LoopNests.MatMul("x", "w", "y", 1, 16, 32, 8);
        var ideal = new IdealArrayCostModel().Evaluate(nest, core, offChip);
        var searched = new LoopNestCostModel().Evaluate(nest, core, offChip);
        // 16·32·8 MACs over the 16 PEs of the test core; every mapping takes at least that and moves at least the unique bits.
        Assert.Equal(Math.Ceiling(16.0 * 32 * 8 / core.Array.ProcessingElements), ideal.Cycles);
        Assert.True(searched.Cycles >= ideal.Cycles);
        Assert.True(searched.OffChipReadBits + searched.OffChipWriteBits >= ideal.OffChipReadBits + ideal.OffChipWriteBits);
    }

    [Fact]
    public void The_example_experiment_has_a_row_per_cost_model()
    {
        var table = new CostSourceExperiment().Run(new ExperimentOptions(), null, CancellationToken.None).ToTable();
        Assert.Equal(CostModels.Names.Length, table.Rows.Length);
        Assert.All(table.Rows, r => Assert.True(r[1].Number > 0 && r[2].Number > 0));
    }

    [Fact]
    public void The_example_study_reads_its_file_and_matches_a_direct_run()
    {
        var technology = TechnologyLibrary.LoadDefault();
        var study = new EnergyPerInferenceStudy();
        var result = (EnergyPerInferenceResult)study.Run(new StudyOptions(null, technology), null, CancellationToken.None);
        var direct = new ScenarioRunner(technology).Run(new Scenario("d", "scar-3x3-het", [new ModelRequest("resnet18")])).Require();
        Assert.Equal(direct.Energy.TotalJ, result.EnergyJ);
        var typo = CliRunnerFile("hardware: scar-3x3-het\nmodle: resnet18\n");
        var error = Assert.Throws<Diagnostics.TesseraInputException>(() => study.Validate(new StudyOptions(typo, technology)));
        Assert.Contains("did you mean 'model'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_document_quotes_the_compiled_examples()
    {
        var doc = File.ReadAllText(TestData.Repository("docs", "architecture.md"));
        var source = Normalise(File.ReadAllText(TestData.Repository("tests", "Tessera.Tests", "Architecture", "ExtensionExamples.cs")));
        var blocks = CSharpBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 5, $"{blocks.Count} C# blocks in docs/architecture.md");
        foreach (var block in blocks)
            Assert.True(source.Contains(Normalise(block), StringComparison.Ordinal), $"not in ExtensionExamples.cs:\n{block}");
    }

    private static string Normalise(string text) => Whitespace().Replace(text, " ").Trim();

    private static string CliRunnerFile(string text) => Cli.CliRunner.TempFile(text);

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("\\s+")]
    private static partial Regex Whitespace();
}
