using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Eval.Torch.Checkpoints;

/// <summary>A checkpoint directory's weights: model.safetensors, or shards listed in model.safetensors.index.json.</summary>
public static class CheckpointWeights
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Every tensor of the checkpoint, converted to <paramref name="dtype"/>.</summary>
    public static Dictionary<string, Tensor> Load(string directory, ScalarType dtype)
    {
        var weights = new Dictionary<string, Tensor>();
        foreach (var (file, keys) in Layout(directory))
        {
            using var safetensors = SafetensorsFile.Open(file);
            foreach (string key in keys ?? safetensors.Entries.Keys)
            {
                if (!safetensors.Entries.ContainsKey(key))
                    throw new CheckpointException($"{Path.Combine(directory, IndexFile)}: maps \"{key}\" to {Path.GetFileName(file)}, which has no such tensor.");
                weights[key] = safetensors.Load(key, dtype);
            }
        }
        return weights;
    }

    /// <summary>The files to read and, for shards, which keys each holds.</summary>
    public static IEnumerable<(string File, IReadOnlyList<string>? Keys)> Layout(string directory)
    {
        string single = Path.Combine(directory, SingleFile), index = Path.Combine(directory, IndexFile);
        if (File.Exists(single)) return [(single, null)];
        if (!File.Exists(index))
            throw new CheckpointException($"{directory}: no weights found. Looked for {SingleFile} and {IndexFile}.");
        JsonObject? map;
        try { map = JsonNode.Parse(File.ReadAllText(index))?["weight_map"] as JsonObject; }
        catch (JsonException e) { throw new CheckpointException($"{index}: not valid JSON ({e.Message})."); }
        if (map is null) throw new CheckpointException($"{index}: no \"weight_map\" object.");
        return map.GroupBy(p => p.Value!.GetValue<string>()).Select(g =>
        {
            // An index is data from the checkpoint's author: a shard outside the model folder (../, an absolute path)
            // is refused before it is opened, so no other file is read or described in an error.
            string folder = Path.GetFullPath(directory), shard = Path.GetFullPath(Path.Combine(folder, g.Key));
            if (Path.IsPathRooted(g.Key) || !shard.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new CheckpointException($"{index}: shard \"{g.Key}\" is outside the model folder {folder}; shards must be files inside it.");
            if (!File.Exists(shard)) throw new CheckpointException($"{index}: shard {g.Key} is listed but missing.");
            return (shard, (IReadOnlyList<string>?)g.Select(p => p.Key).ToList());
        }).ToList();
    }

    /// <summary>
    /// Writes weights in HF layout: one model.safetensors, or shards of at most <paramref name="shardBytes"/> with
    /// an index (as save_pretrained's max_shard_size does).
    /// </summary>
    public static void Save(string directory, IReadOnlyDictionary<string, Tensor> weights, long? shardBytes = null)
    {
        Directory.CreateDirectory(directory);
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (shardBytes is null)
        {
            SafetensorsWriter.Write(Path.Combine(directory, SingleFile), weights, metadata);
            return;
        }
        var shards = new List<Dictionary<string, Tensor>> { new() };
        long size = 0;
        foreach (var (key, tensor) in weights.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            long bytes = tensor.numel() * tensor.ElementSize;
            if (size > 0 && size + bytes > shardBytes) { shards.Add([]); size = 0; }
            shards[^1][key] = tensor;
            size += bytes;
        }
        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafetensorsWriter.Write(Path.Combine(directory, name), shards[i], metadata);
            foreach (string key in shards[i].Keys) weightMap[key] = name;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = weights.Values.Sum(t => t.numel() * t.ElementSize) }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, IndexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
