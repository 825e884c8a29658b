using System.Globalization;
using Eval.Core.Validation;
using Eval.Torch.Model;
using YamlDotNet.RepresentationModel;
using Eval.Torch.Training;

namespace Eval.Torch.Zoo;

/// <summary>
/// Reads the zoo definition (suites/zoo/zoo.yaml): defaults shared by all models, overridden per model.
/// Unknown keys and bad values are errors naming the file, line and valid keys.
/// </summary>
public static class ZooCatalog
{
    private static readonly string[] Keys =
    [
        "position_encoding", "rope_theta", "hidden_size", "layers", "heads", "kv_heads", "intermediate_size",
        "training_length", "batch_size", "steps", "learning_rate", "min_learning_rate", "warmup_steps",
        "weight_decay", "gradient_clip", "passkey_fraction", "copy_fraction", "answer_weight", "seed", "sliding_window",
    ];

    /// <summary>Loads every model of the zoo file, in file order.</summary>
    public static IReadOnlyList<ZooModelSpec> Load(string path, int vocabSize)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(path)) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var defaults = Settings(path, root, "defaults");
        var models = (YamlMappingNode)root.Children[new YamlScalarNode("models")];
        return models.Children.Select(m =>
        {
            var merged = new Dictionary<string, string>(defaults);
            foreach (var (key, value) in Settings(path, (YamlMappingNode)m.Value)) merged[key] = value;
            return Create(path, ((YamlScalarNode)m.Key).Value!, merged, vocabSize);
        }).ToList();
    }

    private static Dictionary<string, string> Settings(string path, YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out var node) ? Settings(path, (YamlMappingNode)node) : [];

    private static Dictionary<string, string> Settings(string path, YamlMappingNode node)
    {
        var settings = new Dictionary<string, string>();
        foreach (var (keyNode, valueNode) in node.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value!;
            if (!Keys.Contains(key))
                throw new FormatException($"Unknown key \"{key}\" in {path}:{keyNode.Start.Line}:{keyNode.Start.Column}. " +
                    $"Valid keys: {string.Join(", ", Keys)}.{DidYouMean.Hint(key, Keys)}");
            settings[key] = ((YamlScalarNode)valueNode).Value!;
        }
        return settings;
    }

    private static ZooModelSpec Create(string path, string name, Dictionary<string, string> s, int vocabSize)
    {
        int Int(string key) => int.TryParse(Need(key), CultureInfo.InvariantCulture, out int v) ? v : throw NotA("a whole number", key);
        double Real(string key) => double.TryParse(Need(key), CultureInfo.InvariantCulture, out double v) ? v : throw NotA("a number", key);
        FormatException NotA(string kind, string key) => new($"Zoo model \"{name}\" in {path}: {key} \"{s[key]}\" is not {kind}.");
        double Optional(string key, double fallback) => s.ContainsKey(key) ? Real(key) : fallback;
        string Need(string key) => s.TryGetValue(key, out var v) ? v
            : throw new FormatException($"Zoo model \"{name}\" in {path} has no \"{key}\" (and no default).");

        string encodingName = Need("position_encoding");
        if (!Eval.Core.Models.ModelConfig.PositionEncodings.Contains(encodingName))
            throw new FormatException($"Zoo model \"{name}\" in {path}: position_encoding \"{encodingName}\" is not valid. " +
                $"Valid: {string.Join(", ", Eval.Core.Models.ModelConfig.PositionEncodings)}.");
        var encoding = PositionEncodingNames.FromConfigName(encodingName);
        int hidden = Int("hidden_size"), heads = Int("heads");
        var architecture = new LlamaArchitecture(
            VocabSize: vocabSize, HiddenSize: hidden, Layers: Int("layers"), Heads: heads, KvHeads: Int("kv_heads"),
            HeadDim: hidden / heads, IntermediateSize: Int("intermediate_size"), RmsNormEps: 1e-5,
            RopeTheta: encoding == PositionEncoding.Rope ? Real("rope_theta") : 10000, TrainedLength: Int("training_length"),
            TieWordEmbeddings: true, Encoding: encoding, SlidingWindow: s.ContainsKey("sliding_window") ? Int("sliding_window") : null);
        if (encoding == PositionEncoding.Hwfa && architecture.SlidingWindow is null)
            throw new FormatException($"Zoo model \"{name}\" in {path}: position_encoding hwfa needs sliding_window (the window of every layer but the last).");
        double passkeyFraction = Real("passkey_fraction"), copyFraction = Optional("copy_fraction", 0);
        if (passkeyFraction < 0 || copyFraction < 0 || passkeyFraction + copyFraction > 1)
            throw new FormatException($"Zoo model \"{name}\" in {path}: passkey_fraction {passkeyFraction} and copy_fraction {copyFraction} " +
                "must be >= 0 and sum to at most 1 (the rest of the rows are natural text).");
        var training = new TrainingOptions(
            Steps: Int("steps"), BatchSize: Int("batch_size"), Length: Int("training_length"),
            PeakLearningRate: Real("learning_rate"), MinLearningRate: Real("min_learning_rate"), WarmupSteps: Int("warmup_steps"),
            WeightDecay: Real("weight_decay"), GradientClip: Real("gradient_clip"), PasskeyFraction: passkeyFraction, AnswerWeight: Optional("answer_weight", 1), CopyFraction: copyFraction,
            Seed: Int("seed"));
        return new ZooModelSpec(name, architecture, training);
    }
}
