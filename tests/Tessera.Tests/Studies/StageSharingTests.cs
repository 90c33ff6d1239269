using Tessera.Chiplets;
using Tessera.Costs;
using Tessera.Studies;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Studies;

/// <summary>
/// Stages pinned to part of a group and model replicas (count ÷ tp) in the speculative-decoding and AV-perception
/// studies, checked against the simulations of the smaller packages they are made of (roofline cost model).
/// </summary>
public class StageSharingTests
{
    private static readonly TechnologyLibrary Technology = TechnologyLibrary.LoadDefault();
    private static readonly StageSimulator Simulator = new(CostModels.Create("roofline"));

    private static SpeculativeResult Speculative(string baselines, string extra = "") => SpeculativeDecodingStudy.Run(SpeculativeConfig.Load(CliRunner.TempFile(
        StudyRunTests.SpeculativeText("2, 4", "counts: [1], memory: [HBM3]", "counts: [1], memory: [HBM3]", 4, baselines) + extra), Technology), Technology, Simulator);

    private static AvPerceptionConfig Perception(string homogeneous, string extra = "") => AvPerceptionConfig.Load(CliRunner.TempFile(
        StudyRunTests.SmallPerception.Replace("homogeneous: {designs: [ws], counts: [1, 2], memory: [HBM3]}", $"homogeneous: {{designs: [ws], {homogeneous}}}",
            StringComparison.Ordinal) + extra), Technology);

    [Fact]
    public void A_pinned_draft_runs_on_its_first_chiplets_and_then_the_target_on_all_of_them()
    {
        var r = Speculative("counts: [1, 2], memory: [HBM3]", "\ndraft_share: [1]\n");
        var byLabel = r.Packages.ToDictionary(p => p.Label);
        // The share is below the 2-chiplet group only.
        Assert.DoesNotContain("1×small+HBM3, draft on 1", byLabel.Keys);
        var pinned = byLabel["2×small+HBM3, draft on 1"];
        var whole = byLabel["2×small+HBM3"];
        var one = byLabel["1×small+HBM3"];
        Assert.Equal(1, pinned.DraftChiplets);
        Assert.False(pinned.Baseline);
        // gpt2-small and the tiny draft fit one HBM3 stack per chiplet either way: the same hardware, priced once.
        Assert.Equal(whole.Package.Describe(), pinned.Package.Describe());
        Assert.Equal(whole.Package.CostUsd, pinned.Package.CostUsd);
        // The target verifies on the whole group; the draft's first chiplet with its stack is the 1-chiplet package.
        Assert.Equal(whole.Verifications.Select(v => v.Verify.LatencySeconds), pinned.Verifications.Select(v => v.Verify.LatencySeconds));
        Assert.Equal(one.DraftStep.LatencySeconds, pinned.DraftStep.LatencySeconds, 15);
        Assert.Equal(one.DraftStep.EnergyJ, pinned.DraftStep.EnergyJ, 15);
        // The pinned chiplet runs both models: γ draft steps, then the verification, nothing overlapped.
        foreach (var gamma in new[] { 2, 4 })
            Assert.Equal(gamma * pinned.DraftStep.LatencySeconds + pinned.Verifications.Single(v => v.Gamma == gamma).Verify.LatencySeconds,
                pinned.At(0.7, gamma).StepSeconds, 12);
        // A pinned draft is a bespoke mapping, never the homogeneous baseline it is compared with.
        Assert.NotEqual(pinned.Label, r.Comparison.BestHomogeneous!.Label);
    }

    [Fact]
    public void A_pinned_draft_gets_its_weights_beside_its_chiplets()
    {
        // Draft 10 GB on 1 of 2 chiplets, target 20 GB over both, 16 GB modules: 10 + 10 = 20 GB on the pinned chiplet
        // takes 2 modules, dealt evenly: 4 modules, where the two models over the whole group take ⌈30 ÷ 16⌉ = 2.
        Assert.Equal(4, StageSharing.ModulesPinned(Technology, "HBM2e", 20e9, 10e9, 2, 1));
        Assert.Equal(2, PackageComposer.ModulesFor(Technology, "HBM2e", 30e9, 2));
        // Tiny models: at least one module per chiplet, as without pinning.
        Assert.Equal(2, StageSharing.ModulesPinned(Technology, "HBM2e", 1e6, 1e6, 2, 1));
    }

    [Fact]
    public void Replicas_decode_independent_streams_and_a_throughput_target_counts_them()
    {
        var r = Speculative("counts: [1, 2], memory: [HBM3], tp: [1, 2]");
        var byLabel = r.Packages.ToDictionary(p => p.Label);
        var one = byLabel["1×small+HBM3"];
        var replicas = byLabel["2×small TP1+HBM3"];
        Assert.Equal((1, 2, 1), (one.Streams, replicas.Streams, byLabel["2×small+HBM3"].Streams));
        // A replica is the 1-chiplet package again: the same cycle per stream, twice the package's tokens per second.
        Assert.Equal(one.At(0.7, 4).StepSeconds, replicas.At(0.7, 4).StepSeconds, 15);
        Assert.Equal(one.At(0.7, 4).EnergyPerTokenJ, replicas.At(0.7, 4).EnergyPerTokenJ, 15);
        Assert.Equal(2 * one.PackageTokensPerSecond(0.7, 4), replicas.PackageTokensPerSecond(0.7, 4), 9);
        Assert.True(replicas.Package.CostUsd > one.Package.CostUsd);
        // Split packages pair one draft with one target replica per stream.
        Assert.All(r.Packages.Where(p => p.Split), p => Assert.Equal(1, p.Streams));

        // Demand more than one chiplet's stream serves: the 1-chiplet package drops out and the bespoke one serves it.
        double min = 1.5 * one.PackageTokensPerSecond(0.7, 4);
        var served = Speculative("counts: [1, 2], memory: [HBM3], tp: [1, 2]", $"\nmin_tokens_per_second: {min:R}\n");
        Assert.NotNull(served.Bespoke);
        Assert.True(served.Bespoke.PackageTokensPerSecond(0.7, 4) >= min);
        Assert.NotEqual("1×small+HBM3", served.Bespoke.Label);
        Assert.NotEqual("1×small+HBM3", served.Comparison.BestHomogeneous?.Label);
        var o = served.Config.Objective;
        foreach (var p in served.Packages.Where(p => p.PackageTokensPerSecond(0.7, 4) >= min))
            Assert.True(o.Score(served.Bespoke.PerTokenAt(0.7, 4)) <= o.Score(p.PerTokenAt(0.7, 4)) * (1 + 1e-12), p.Label);
    }

    [Fact]
    public void Cameras_are_dealt_over_cnn_replicas_that_run_side_by_side()
    {
        var config = Perception("counts: [1, 2], memory: [HBM3], tp: [1, 2]") with { Cameras = 3 };
        var r = AvPerceptionStudy.Run(config, Technology, Simulator);
        var replicas = r.Evaluations.Single(e => e.Label == "2×ws TP1+HBM3");
        Assert.Equal(2, replicas.CnnReplicas);
        // Three cameras over two replicas: 2 and 1. The CNN takes the 2-camera replica's time and both replicas' energy.
        var one = (int cameras) => AvPerceptionStudy.Run(config with { Cameras = cameras }, Technology, Simulator).Evaluations.Single(e => e.Label == "1×ws+HBM3");
        var (two, single) = (one(2), one(1));
        Assert.Equal(two.Cnn.LatencySeconds, replicas.Cnn.LatencySeconds, 15);
        Assert.Equal(two.Cnn.EnergyJ + single.Cnn.EnergyJ, replicas.Cnn.EnergyJ, 12);
        // The fusion runs on replica 0; the tokens of the camera on replica 1 cross the package first; nothing overlaps.
        Assert.True(replicas.Transfer.LatencySeconds > 0);
        Assert.Equal((replicas.Cnn + replicas.Transfer + replicas.Fusion).LatencySeconds, replicas.LatencySeconds, 15);
        Assert.Equal(replicas.LatencySeconds, replicas.BottleneckSeconds, 15);
        // Without tp the whole group is one replica.
        Assert.Equal(1, r.Evaluations.Single(e => e.Label == "2×ws+HBM3").CnnReplicas);
    }

    [Fact]
    public void A_pinned_fusion_runs_after_the_cnn_on_part_of_its_chiplets()
    {
        var r = AvPerceptionStudy.Run(Perception("counts: [1, 2], memory: [HBM3]", "\nfusion_share: [1]\n"), Technology, Simulator);
        var byLabel = r.Evaluations.ToDictionary(e => e.Label);
        var pinned = byLabel["2×ws+HBM3, fusion on 1"];
        var whole = byLabel["2×ws+HBM3"];
        Assert.Equal(1, pinned.FusionChiplets);
        Assert.Equal(whole.Package.CostUsd, pinned.Package.CostUsd);
        Assert.Equal(whole.Cnn.LatencySeconds, pinned.Cnn.LatencySeconds);
        // The first chiplet with its stack is the 1-chiplet package: the same fusion.
        Assert.Equal(byLabel["1×ws+HBM3"].Fusion.LatencySeconds, pinned.Fusion.LatencySeconds, 15);
        // Half the tokens sit on the other chiplet and cross to it; the shared chiplet runs the stages one after the other.
        Assert.Equal(0, whole.Transfer.LatencySeconds);
        Assert.True(pinned.Transfer.LatencySeconds > 0);
        Assert.Equal((pinned.Cnn + pinned.Transfer + pinned.Fusion).LatencySeconds, pinned.LatencySeconds, 15);
        Assert.Equal(pinned.LatencySeconds, pinned.BottleneckSeconds, 15);
        Assert.False(pinned.Baseline);
    }

    public static TheoryData<string, string, int, string> BadDeployments() => new()
    {
        // study, file, line of the offending value, message
        { "speculative-decoding", StudyRunTests.SpeculativeText("2", "counts: [1], memory: [HBM3]", "counts: [1], memory: [HBM3]", 2,
            "counts: [1, 2], memory: [HBM3]") + "\ndraft_share: [1, 2]\n", 15, "draft_share 2 is not smaller than any baselines group (at most 2 chiplets per model)" },
        { "speculative-decoding", StudyRunTests.SpeculativeText("2", "counts: [1], memory: [HBM3]", "counts: [2, 4], memory: [HBM3], tp: [1, 3]", 2,
            "counts: [1], memory: [HBM3]"), 12, "tp 3 divides none of the target counts (2, 4)" },
        { "av-perception", StudyRunTests.SmallPerception + "\nfusion_share: [2]\n", 14, "fusion_share 2 is not smaller than any homogeneous group" },
        { "av-perception", StudyRunTests.SmallPerception.Replace("cnn: {designs: [ws], counts: [1, 2], memory: [HBM3]}",
            "cnn: {designs: [ws], counts: [1, 2], memory: [HBM3], tp: [4]}", StringComparison.Ordinal), 10, "tp 4 divides none of the cnn counts (1, 2)" },
        { "av-perception", StudyRunTests.SmallPerception.Replace("fusion_stage: {designs: [ws], counts: [1], memory: [HBM3]}",
            "fusion_stage: {designs: [ws], counts: [1], memory: [HBM3], tp: [1]}", StringComparison.Ordinal), 11, "unknown key 'tp'" },
    };

    [Theory]
    [MemberData(nameof(BadDeployments))]
    public void A_share_larger_than_its_group_or_a_degree_dividing_no_count_exits_2_at_its_line(string study, string text, int line, string message)
    {
        var path = CliRunner.TempFile(text);
        var o = CliRunner.Run("study", study, path);
        Assert.Equal(2, o.ExitCode);
        Assert.Contains($"{Path.GetFileName(path)}:{line}:", o.Error);
        Assert.Contains(message, o.Error);
    }
}
