using System.Text.Json;
using Tessera.Costs;
using Tessera.Scoring;
using Tessera.Studies;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Studies;

public class StudyRegistryTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    public static TheoryData<string> Names() => [.. StudyRegistry.All.Select(s => s.Name)];

    [Fact]
    public void The_registry_lists_every_study_once()
    {
        Assert.Contains(StudyRegistry.All, s => s is LlmServingStudy);
        Assert.Contains(StudyRegistry.All, s => s is SpeculativeDecodingStudy);
        Assert.Contains(StudyRegistry.All, s => s is AvPerceptionStudy);
        Assert.Equal(StudyRegistry.All.Length, StudyRegistry.All.Select(s => s.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(StudyRegistry.All, s => Assert.Same(s, StudyRegistry.Find(s.Name.ToUpperInvariant())));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_default_file_loads_and_documents_the_objective(string name)
    {
        var study = StudyRegistry.Find(name);
        study.Validate(new StudyOptions(null, Technology));
        study.Validate(new StudyOptions(CliRunner.TempFile(study.DefaultYaml), Technology));
        Assert.Contains("\nobjective: ec", study.DefaultYaml, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_misspelt_objective_key_is_refused_with_a_suggestion_and_its_line(string name)
    {
        var text = StudyRegistry.Find(name).DefaultYaml.TrimEnd('\n');
        var path = CliRunner.TempFile(text + "\nobjectve: ec\n");
        var o = CliRunner.Run("study", name, path);
        Assert.Equal(2, o.ExitCode);
        Assert.Contains($"{Path.GetFileName(path)}:{text.Split('\n').Length + 1}:", o.Error);
        Assert.Contains("did you mean 'objective'", o.Error);
    }
}

public class StudyCostModelTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    [Theory]
    [MemberData(nameof(StudyRegistryTests.Names), MemberType = typeof(StudyRegistryTests))]
    public void A_study_file_names_its_cost_model_and_the_command_line_overrides_it(string name)
    {
        var text = StudyRegistry.Find(name).DefaultYaml.TrimEnd('\n');
        var path = CliRunner.TempFile(text + "\ncost_model: roofline\n");
        Assert.Equal("roofline", new StudyOptions(path, Technology).Simulator(FileCostModel(name, path)).CostModel);
        Assert.Equal("loopnest", new StudyOptions(path, Technology, "loopnest").Simulator(FileCostModel(name, path)).CostModel);
        Assert.Equal(CostModels.Default, new StudyOptions(null, Technology).Simulator(FileCostModel(name, null)).CostModel);
        var typo = CliRunner.TempFile(text + "\ncost_model: rooflin\n");
        var o = CliRunner.Run("study", name, typo);
        Assert.Equal(2, o.ExitCode);
        Assert.Contains($"{Path.GetFileName(typo)}:{text.Split('\n').Length + 1}:", o.Error);
        Assert.Contains("did you mean 'roofline'", o.Error);
    }

    private static string? FileCostModel(string study, string? path) => study switch
    {
        "llm-serving" => LlmServingConfig.Load(path, Technology).CostModel,
        "speculative-decoding" => SpeculativeConfig.Load(path, Technology).CostModel,
        _ => AvPerceptionConfig.Load(path, Technology).CostModel,
    };
}

public class StudyCostProfileTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();

    [Theory]
    [MemberData(nameof(StudyRegistryTests.Names), MemberType = typeof(StudyRegistryTests))]
    public void An_unknown_cost_profile_exits_2_at_its_line_listing_the_profiles(string name)
    {
        var text = StudyRegistry.Find(name).DefaultYaml.Replace("cost_profile: actuary", "cost_profile: mozzart", StringComparison.Ordinal);
        var line = text.Split('\n').TakeWhile(l => !l.StartsWith("cost_profile:", StringComparison.Ordinal)).Count() + 1;
        var path = CliRunner.TempFile(text);
        var o = CliRunner.Run("study", name, path);
        Assert.Equal(2, o.ExitCode);
        Assert.Contains($"{Path.GetFileName(path)}:{line}:", o.Error);
        Assert.Contains("did you mean 'mozart'", o.Error);
        Assert.Contains("actuary, mozart", o.Error);
    }

    [Fact]
    public void A_study_prices_its_packages_under_its_cost_profile()
    {
        var path = CliRunner.TempFile(StudyRunTests.SmallPerception + "\ncost_profile: mozart\n");
        var config = AvPerceptionConfig.Load(path, Technology);
        Assert.Same(Tessera.Economics.CostProfile.Mozart, config.CostProfile);
        var r = AvPerceptionStudy.Run(config, Technology);
        Assert.NotEmpty(r.Evaluations);
        // Each package costs what the cost model charges for it under Mozart's profile, not the default one.
        Assert.All(r.Evaluations, e =>
        {
            var mozart = Tessera.Economics.CostModel.Evaluate(Technology, e.Package.Package, Tessera.Economics.CostOptions.Default(Technology) with { Profile = Tessera.Economics.CostProfile.Mozart });
            var actuary = Tessera.Economics.CostModel.Evaluate(Technology, e.Package.Package, Tessera.Economics.CostOptions.Default(Technology));
            Assert.Equal(mozart.TotalUsd, e.Package.CostUsd, 9);
            Assert.NotEqual(actuary.TotalUsd, e.Package.CostUsd, 3);
        });
    }
}

public class StudyCommandTests
{
    private static CliRunner.Outcome Json(params string[] args)
    {
        var o = CliRunner.Run(["study", .. args, "--json"]);
        Assert.True(o.ExitCode == 0, o.Error);
        return o;
    }

    [Fact]
    public void Without_a_name_the_registry_is_listed()
    {
        var text = CliRunner.Run("study");
        Assert.Equal(0, text.ExitCode);
        Assert.All(StudyRegistry.All, s => Assert.Contains(s.Name, text.Out));
        var listed = Json().Json.EnumerateArray().Select(e => (e.GetProperty("name").GetString(), e.GetProperty("description").GetString())).ToList();
        Assert.Equal(StudyRegistry.All.Select(s => ((string?)s.Name, (string?)s.Description)), listed);
    }

    [Theory]
    [MemberData(nameof(StudyRegistryTests.Names), MemberType = typeof(StudyRegistryTests))]
    public void Print_default_writes_the_studys_own_file(string name)
    {
        var o = CliRunner.Run("study", name, "--print-default");
        Assert.Equal(0, o.ExitCode);
        Assert.Equal(StudyRegistry.Find(name).DefaultYaml, o.Out);
    }

    [Fact]
    public void An_unknown_study_exits_2_with_a_suggestion()
    {
        var o = CliRunner.Run("study", "llm-servng");
        Assert.Equal(2, o.ExitCode);
        Assert.Contains("unknown study 'llm-servng' (did you mean 'llm-serving'?)", o.Error);
        Assert.DoesNotContain("   at ", o.Error);
    }

    [Fact]
    public void Json_holds_the_cheapest_package_meeting_the_targets_and_its_settings()
    {
        var doc = Json("llm-serving", CliRunner.TempFile(StudyRunTests.SmallServing)).Json;
        Assert.Equal("llm-serving", doc.GetProperty("study").GetString());
        Assert.Equal(CostModels.Default, doc.GetProperty("costModel").GetString());
        Assert.Equal("ec", doc.GetProperty("objective").GetString());
        var cheapest = doc.GetProperty("cheapest");
        Assert.True(cheapest.GetProperty("meetsTargets").GetBoolean());
        var meeting = doc.GetProperty("evaluations").EnumerateArray().Where(e => e.GetProperty("meetsTargets").GetBoolean()).ToList();
        Assert.True(meeting.Count >= 2);
        Assert.All(meeting, e => Assert.True(Cost(cheapest) <= Cost(e)));
        // The bespoke package is the best of a search that holds the homogeneous packages.
        var comparison = doc.GetProperty("comparison");
        Assert.Equal(doc.GetProperty("bespoke").GetProperty("label").GetString(), comparison.GetProperty("bespoke").GetProperty("label").GetString());
        Assert.True(comparison.GetProperty("bespoke").GetProperty("value").GetDouble() <= comparison.GetProperty("bestHomogeneous").GetProperty("value").GetDouble());
        Assert.All(doc.GetProperty("evaluations").EnumerateArray(), e => Assert.True(e.GetProperty("package").GetProperty("legal").GetBoolean()));
    }

    [Fact]
    public void The_cost_model_option_reaches_every_simulated_stage()
    {
        var file = CliRunner.TempFile(StudyRunTests.SmallPerception);
        var loopnest = Json("av-perception", file).Json;
        var roofline = Json("av-perception", file, "--cost-model", "roofline").Json;
        Assert.Equal("roofline", roofline.GetProperty("costModel").GetString());
        static double[] Cnn(JsonElement doc) => [.. doc.GetProperty("evaluations").EnumerateArray().Select(e => e.GetProperty("cnnSeconds").GetDouble())];
        Assert.Equal(Cnn(loopnest).Length, Cnn(roofline).Length);
        Assert.NotEqual(Cnn(loopnest), Cnn(roofline));
    }

    [Fact]
    public void A_bad_objective_in_a_study_file_exits_2_at_its_line()
    {
        var path = CliRunner.TempFile(StudyRunTests.SmallPerception + "\nobjective: enrgy\n");
        var o = CliRunner.Run("study", "av-perception", path);
        Assert.Equal(2, o.ExitCode);
        Assert.Contains($"{Path.GetFileName(path)}:{StudyRunTests.SmallPerception.Split('\n').Length + 1}:", o.Error);
        Assert.Contains("did you mean 'energy'", o.Error);
    }

    private static double Cost(JsonElement e) => e.GetProperty("package").GetProperty("costUsd").GetDouble();
}

/// <summary>
/// Each study ranks the packages that meet its constraints by the objective it is given: the chosen package scores
/// lowest among them, recomputed here from the reported figures. One simulator per study, so the runs share its cache.
/// </summary>
public class StudyObjectiveTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();
    private static readonly StageSimulator Serving = new(CostModels.Create(CostModels.Default));
    private static readonly StageSimulator Perception = new(CostModels.Create(CostModels.Default));
    private static readonly StageSimulator Speculative = new(CostModels.Create(CostModels.Default));

    /// <summary>The small perception study with a second fusion design, so two heterogeneous packages meet the deadline.</summary>
    private static readonly string TwoFusionDesigns = StudyRunTests.SmallPerception
        .Replace("designs:\n", "designs:\n  os: {template: os, width_scale: 1, height_scale: 1, buffer: 1}\n", StringComparison.Ordinal)
        .Replace("fusion_stage: {designs: [ws]", "fusion_stage: {designs: [ws, os]", StringComparison.Ordinal);

    public static TheoryData<string> Objectives() => ["latency", "energy", "edp", "ec", "edcp", "cost*energy^2"];

    [Theory]
    [MemberData(nameof(Objectives))]
    public void Serving_bespoke_is_the_best_package_of_the_search_meeting_the_targets(string objective)
    {
        var o = Objective.Parse(objective);
        var config = LlmServingConfig.Load(CliRunner.TempFile(StudyRunTests.SmallServing + $"\nobjective: {objective}\n"), Technology);
        Assert.Equal(o, config.Objective);
        var r = LlmServingStudy.Run(config, Technology, Serving);
        var feasible = r.Evaluations.Where(e => e.MeetsTargets).ToList();
        Assert.True(feasible.Count(e => e.Disaggregated) >= 2, $"{feasible.Count} feasible packages");
        double Score(ServingEvaluation e) => o.Score(e.TpotSeconds, e.EnergyPerTokenJ, e.Package.CostUsd);
        Assert.Contains(r.Bespoke, feasible);
        Assert.Equal(feasible.Min(Score), Score(r.Bespoke!));
        // The cheapest package is a constraint answer, not the objective's: the same whatever the objective.
        Assert.Equal(r.Evaluations.Where(e => e.MeetsTargets).Min(e => e.Package.CostUsd), r.Cheapest!.Package.CostUsd);
    }

    [Theory]
    [MemberData(nameof(Objectives))]
    public void Perception_best_and_bespoke_are_the_best_packages_meeting_the_deadline(string objective)
    {
        var o = Objective.Parse(objective);
        var r = AvPerceptionStudy.Run(AvPerceptionConfig.Load(CliRunner.TempFile(TwoFusionDesigns), Technology) with { Objective = o },
            Technology, Perception);
        double Score(PerceptionEvaluation e) => o.Score(e.LatencySeconds, e.EnergyPerFrameJ, e.Package.CostUsd);
        var feasible = r.Evaluations.Where(e => e.MeetsDeadline).ToList();
        Assert.True(feasible.Count(e => e.Split) >= 2, $"{feasible.Count} feasible packages");
        Assert.Equal(feasible.Min(Score), Score(r.Bespoke!));
        Assert.Equal(feasible.Where(e => !e.Split).Min(Score), r.Comparison.BestHomogeneous!.Value, 12);
        var ranked = r.Meeting.Select(Score).ToList();
        Assert.Equal(ranked.Order(), ranked);
    }

    [Theory]
    [MemberData(nameof(Objectives))]
    public void Speculative_bespoke_is_the_best_package_of_the_search_at_the_reference_point(string objective)
    {
        var o = Objective.Parse(objective);
        var text = StudyRunTests.SpeculativeText(gammas: "2, 4", draft: "counts: [1], memory: [HBM3, GDDR7, LPDDR5]",
            target: "counts: [1], memory: [HBM3, GDDR7]", referenceGamma: 4, baselines: "counts: [1, 2], memory: [HBM3]");
        var r = SpeculativeDecodingStudy.Run(SpeculativeConfig.Load(CliRunner.TempFile(text), Technology) with { Objective = o }, Technology, Speculative);
        double Score(SpeculativePackage p)
        {
            var at = p.At(0.7, 4);
            return o.Score(at.StepSeconds / at.ExpectedTokens, at.EnergyPerTokenJ, p.Package.CostUsd);
        }
        Assert.True(r.Packages.Count(p => p.Split) >= 2, $"{r.Packages.Length} legal packages");
        Assert.Equal(r.Packages.Min(Score), Score(r.Bespoke!));
    }

    [Fact]
    public void Without_the_key_every_study_ranks_by_energy_times_cost()
    {
        var t = Technology;
        Assert.Equal(Objective.EnergyCost, LlmServingConfig.Load(CliRunner.TempFile(StudyRunTests.SmallServing), t).Objective);
        Assert.Equal(Objective.EnergyCost, AvPerceptionConfig.Load(CliRunner.TempFile(StudyRunTests.SmallPerception), t).Objective);
        Assert.Equal(Objective.EnergyCost, SpeculativeConfig.Load(CliRunner.TempFile(StudyRunTests.SpeculativeText("2", "counts: [1], memory: [HBM3]",
            "counts: [1], memory: [HBM3]", 2, "counts: [1], memory: [HBM3]")), t).Objective);
    }
}
