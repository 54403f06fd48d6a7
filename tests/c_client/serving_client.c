/*
 * A TF Serving-style client of a keras_gans export, through TensorFlow's C API only.
 *
 * TF_LoadSessionFromSavedModel is the C++ SavedModel loader that TF Serving builds on. This
 * program loads EXPORT_DIR with tag "serve", reads the SignatureDefs from the MetaGraphDef the
 * loader returns (a small protobuf wire-format reader below: no protobuf library needed), then
 * answers requests read from stdin, one per line, without Python:
 *
 *     SIGNATURE [INPUT=DTYPE:DIM,DIM,...:VALUE,VALUE,...]...
 *
 * e.g. "generate num_samples=int32::4 seed=int64::0" (a scalar has no dims) or
 * "serving_default z=float32:2,100:0.1,0.2,...". For each request it prints one line per output,
 *
 *     OUTPUT <request> <signature> <name> <dtype> <dims comma-separated> <values comma-separated>
 *
 * or one "ERROR <request> <TF status code> <message>" line, and goes on to the next request.
 * "signatures" lists every SignatureDef as "SIGNATURE <name> <input|output> <key> <tensor>
 * <dtype>" lines. "load THREADS REPEATS SIGNATURE INPUT=..." runs one request REPEATS times on
 * each of THREADS threads sharing the loaded session and prints "LOAD <request> threads=..
 * repeats=.. errors=.. mismatches=.. p50_ms=.. p99_ms=.. requests_per_s=..", where a mismatch is
 * an answer whose first output differs from a single call's. Built by tests/test_c_client.py:
 *
 *     gcc serving_client.c -I$TF/include -L$TF -l:libtensorflow_cc.so.2
 *         -l:libtensorflow_framework.so.2 -lpthread -Wl,-rpath,$TF
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensorflow/c/c_api.h"

#define MAX_ENTRIES 64
#define MAX_NAME 256
#define MAX_DIMS 8

/* ------------------------------------------------------------ protobuf wire format */

typedef struct {
  const uint8_t *data;
  size_t size;
} Bytes;

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *value) {
  uint64_t result = 0;
  int shift = 0;
  while (*p < end && shift < 64) {
    uint8_t byte = *(*p)++;
    result |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *value = result;
      return 1;
    }
    shift += 7;
  }
  return 0;
}

/* Calls visit(field, wire type, varint value, length-delimited bytes) for every field. */
typedef void (*Visit)(void *context, int field, int type, uint64_t varint, Bytes bytes);

static int each_field(Bytes message, Visit visit, void *context) {
  const uint8_t *p = message.data, *end = message.data + message.size;
  while (p < end) {
    uint64_t key, value = 0;
    Bytes bytes = {NULL, 0};
    if (!read_varint(&p, end, &key)) return 0;
    int type = (int)(key & 7);
    if (type == 0) {
      if (!read_varint(&p, end, &value)) return 0;
    } else if (type == 2) {
      if (!read_varint(&p, end, &value) || value > (uint64_t)(end - p)) return 0;
      bytes.data = p;
      bytes.size = (size_t)value;
      p += value;
    } else if (type == 1) {
      p += 8;
    } else if (type == 5) {
      p += 4;
    } else {
      return 0; /* groups: not used by MetaGraphDef */
    }
    if (p > end) return 0;
    visit(context, (int)(key >> 3), type, value, bytes);
  }
  return 1;
}

static void copy_string(char *target, Bytes bytes) {
  size_t n = bytes.size < MAX_NAME - 1 ? bytes.size : MAX_NAME - 1;
  memcpy(target, bytes.data, n);
  target[n] = '\0';
}

/* ------------------------------------------------------------ SignatureDefs */

typedef struct {
  char key[MAX_NAME];       /* the request's name for it, e.g. "num_samples" */
  char operation[MAX_NAME]; /* graph operation, e.g. "generate_num_samples" */
  int index;                /* output index of that operation */
  int dtype;                /* TF_DataType */
} TensorInfo;

typedef struct {
  char name[MAX_NAME];
  TensorInfo inputs[MAX_ENTRIES], outputs[MAX_ENTRIES];
  int num_inputs, num_outputs;
} Signature;

typedef struct {
  Signature items[MAX_ENTRIES];
  int count;
} Signatures;

typedef struct {
  char key[MAX_NAME];
  Bytes value;
} MapEntry;

static void visit_map_entry(void *context, int field, int type, uint64_t varint, Bytes bytes) {
  MapEntry *entry = context;
  (void)varint;
  if (type != 2) return;
  if (field == 1) copy_string(entry->key, bytes);
  if (field == 2) entry->value = bytes;
}

static void visit_tensor_info(void *context, int field, int type, uint64_t varint, Bytes bytes) {
  TensorInfo *info = context;
  if (field == 1 && type == 2) { /* "operation:index" */
    char name[MAX_NAME];
    copy_string(name, bytes);
    char *colon = strrchr(name, ':');
    info->index = colon ? atoi(colon + 1) : 0;
    if (colon) *colon = '\0';
    snprintf(info->operation, MAX_NAME, "%s", name);
  }
  if (field == 2 && type == 0) info->dtype = (int)varint;
}

static void visit_signature_def(void *context, int field, int type, uint64_t varint, Bytes bytes) {
  Signature *signature = context;
  (void)varint;
  if (type != 2 || (field != 1 && field != 2)) return;
  MapEntry entry = {{0}, {NULL, 0}};
  each_field(bytes, visit_map_entry, &entry);
  int *count = field == 1 ? &signature->num_inputs : &signature->num_outputs;
  TensorInfo *infos = field == 1 ? signature->inputs : signature->outputs;
  if (*count >= MAX_ENTRIES) return;
  TensorInfo *info = &infos[(*count)++];
  memset(info, 0, sizeof(*info));
  snprintf(info->key, MAX_NAME, "%s", entry.key);
  each_field(entry.value, visit_tensor_info, info);
}

static void visit_meta_graph(void *context, int field, int type, uint64_t varint, Bytes bytes) {
  Signatures *signatures = context;
  (void)varint;
  if (field != 5 || type != 2 || signatures->count >= MAX_ENTRIES) return; /* signature_def */
  MapEntry entry = {{0}, {NULL, 0}};
  each_field(bytes, visit_map_entry, &entry);
  Signature *signature = &signatures->items[signatures->count++];
  memset(signature, 0, sizeof(*signature));
  snprintf(signature->name, MAX_NAME, "%s", entry.key);
  each_field(entry.value, visit_signature_def, signature);
}

static const Signature *find_signature(const Signatures *signatures, const char *name) {
  for (int i = 0; i < signatures->count; i++)
    if (strcmp(signatures->items[i].name, name) == 0) return &signatures->items[i];
  return NULL;
}

/* ------------------------------------------------------------ tensors */

static int dtype_of(const char *name) {
  if (strcmp(name, "float32") == 0) return TF_FLOAT;
  if (strcmp(name, "int32") == 0) return TF_INT32;
  if (strcmp(name, "int64") == 0) return TF_INT64;
  if (strcmp(name, "uint8") == 0) return TF_UINT8;
  return -1;
}

static const char *dtype_name(int dtype) {
  switch (dtype) {
    case TF_FLOAT: return "float32";
    case TF_INT32: return "int32";
    case TF_INT64: return "int64";
    case TF_UINT8: return "uint8";
    default: return "unsupported";
  }
}

/* "float32:2,3:1,2,3,4,5,6" -> a new tensor, or NULL with a message in error. */
static TF_Tensor *parse_tensor(char *text, char *error, size_t error_size) {
  /* Split on the two colons exactly: "int32::4" has empty dims, "float32:0,100:" no values. */
  char *dtype_text = text, *dims_text = strchr(text, ':'), *values_text = NULL;
  if (dims_text) {
    *dims_text++ = '\0';
    values_text = strchr(dims_text, ':');
    if (values_text) *values_text++ = '\0';
  }
  int dtype = dtype_of(dtype_text);
  if (dtype < 0 || !values_text) {
    snprintf(error, error_size, "expected DTYPE:DIMS:VALUES with a dtype float32, int32, int64 or "
             "uint8, received %s", dtype_text);
    return NULL;
  }
  int64_t dims[MAX_DIMS];
  int num_dims = 0;
  int64_t count = 1;
  for (char *dim = strtok(dims_text, ","); dim; dim = strtok(NULL, ",")) {
    if (num_dims == MAX_DIMS) {
      snprintf(error, error_size, "expected at most %d dimensions", MAX_DIMS);
      return NULL;
    }
    dims[num_dims] = strtoll(dim, NULL, 10);
    if (dims[num_dims] < 0) {
      snprintf(error, error_size, "expected dimensions >= 0, received %s", dim);
      return NULL;
    }
    count *= dims[num_dims++];
  }
  size_t width = TF_DataTypeSize((TF_DataType)dtype);
  TF_Tensor *tensor = TF_AllocateTensor((TF_DataType)dtype, dims, num_dims, width * (size_t)count);
  char *data = TF_TensorData(tensor);
  int64_t filled = 0;
  for (char *value = strtok(values_text, ","); value && filled < count;
       value = strtok(NULL, ","), filled++) {
    if (dtype == TF_FLOAT) ((float *)data)[filled] = strtof(value, NULL);
    if (dtype == TF_INT32) ((int32_t *)data)[filled] = (int32_t)strtol(value, NULL, 10);
    if (dtype == TF_INT64) ((int64_t *)data)[filled] = strtoll(value, NULL, 10);
    if (dtype == TF_UINT8) ((uint8_t *)data)[filled] = (uint8_t)strtol(value, NULL, 10);
  }
  if (filled != count) {
    snprintf(error, error_size, "expected %" PRId64 " values for the shape, received %" PRId64,
             count, filled);
    TF_DeleteTensor(tensor);
    return NULL;
  }
  return tensor;
}

static void print_tensor(int request, const char *signature, const char *key, TF_Tensor *tensor) {
  int dtype = TF_TensorType(tensor);
  printf("OUTPUT %d %s %s %s ", request, signature, key, dtype_name(dtype));
  int64_t count = 1;
  for (int d = 0; d < TF_NumDims(tensor); d++) {
    printf(d ? ",%" PRId64 : "%" PRId64, TF_Dim(tensor, d));
    count *= TF_Dim(tensor, d);
  }
  printf(TF_NumDims(tensor) ? " " : "- ");
  const char *data = TF_TensorData(tensor);
  for (int64_t i = 0; i < count; i++) {
    if (i) putchar(',');
    if (dtype == TF_FLOAT) printf("%.9g", ((const float *)data)[i]);
    else if (dtype == TF_INT32) printf("%" PRId32, ((const int32_t *)data)[i]);
    else if (dtype == TF_INT64) printf("%" PRId64, ((const int64_t *)data)[i]);
    else if (dtype == TF_UINT8) printf("%u", ((const uint8_t *)data)[i]);
  }
  if (count == 0) putchar('-');
  putchar('\n');
}

/* ------------------------------------------------------------ requests */

/* A parsed request: the feeds and fetches of one signature call. */
typedef struct {
  const Signature *signature;
  TF_Output inputs[MAX_ENTRIES], outputs[MAX_ENTRIES];
  TF_Tensor *input_values[MAX_ENTRIES];
  int num_inputs;
} Request;

/* Parses "SIGNATURE INPUT=... ..." (the name already split off); returns 0 with a message. */
static int prepare(TF_Graph *graph, const Signatures *signatures, const char *name,
                   char **arguments, int num_arguments, Request *request, char *error,
                   size_t error_size) {
  memset(request, 0, sizeof(*request));
  const Signature *signature = find_signature(signatures, name);
  if (!signature) {
    snprintf(error, error_size, "expected a signature of the export, received %s", name);
    return 0;
  }
  request->signature = signature;
  for (int a = 0; a < num_arguments; a++) {
    char *equals = strchr(arguments[a], '=');
    if (!equals) {
      snprintf(error, error_size, "expected INPUT=DTYPE:DIMS:VALUES, received %s", arguments[a]);
      return 0;
    }
    *equals = '\0';
    const TensorInfo *info = NULL;
    for (int i = 0; i < signature->num_inputs; i++)
      if (strcmp(signature->inputs[i].key, arguments[a]) == 0) info = &signature->inputs[i];
    if (!info) {
      snprintf(error, error_size, "signature %s has no input %s", name, arguments[a]);
      return 0;
    }
    int i = request->num_inputs;
    request->inputs[i].oper = TF_GraphOperationByName(graph, info->operation);
    request->inputs[i].index = info->index;
    request->input_values[i] = parse_tensor(equals + 1, error, error_size);
    if (!request->input_values[i]) return 0;
    request->num_inputs++;
  }
  if (request->num_inputs != signature->num_inputs) {
    snprintf(error, error_size, "signature %s takes %d inputs, received %d", name,
             signature->num_inputs, request->num_inputs);
    return 0;
  }
  for (int o = 0; o < signature->num_outputs; o++) {
    request->outputs[o].oper = TF_GraphOperationByName(graph, signature->outputs[o].operation);
    request->outputs[o].index = signature->outputs[o].index;
  }
  return 1;
}

static void release(Request *request) {
  for (int i = 0; i < request->num_inputs; i++) TF_DeleteTensor(request->input_values[i]);
}

/* Runs a prepared request; on success the caller owns the output tensors. */
static TF_Code run(TF_Session *session, const Request *request, TF_Tensor **outputs,
                   char *message, size_t message_size) {
  TF_Status *status = TF_NewStatus();
  TF_SessionRun(session, NULL, request->inputs, (TF_Tensor *const *)request->input_values,
                request->num_inputs, request->outputs, outputs,
                request->signature->num_outputs, NULL, 0, NULL, status);
  TF_Code code = TF_GetCode(status);
  if (code != TF_OK) {
    snprintf(message, message_size, "%s", TF_Message(status));
    for (char *c = message; *c; c++)
      if (*c == '\n') *c = ' '; /* one line */
  }
  TF_DeleteStatus(status);
  return code;
}

static int split(char *line, char **words) {
  int count = 0;
  for (char *word = strtok(line, " \t\n"); word && count < MAX_ENTRIES;
       word = strtok(NULL, " \t\n"))
    words[count++] = word;
  return count;
}

static void run_request(TF_Session *session, TF_Graph *graph, const Signatures *signatures,
                        int number, char *line) {
  char *words[MAX_ENTRIES];
  int count = split(line, words);
  if (count == 0) return;
  Request request;
  char error[1024] = "";
  TF_Tensor *outputs[MAX_ENTRIES] = {0};
  if (!prepare(graph, signatures, words[0], words + 1, count - 1, &request, error, sizeof error)) {
    printf("ERROR %d %d %s\n", number, TF_INVALID_ARGUMENT, error);
  } else {
    TF_Code code = run(session, &request, outputs, error, sizeof error);
    if (code != TF_OK) {
      printf("ERROR %d %d %s\n", number, code, error);
    } else {
      for (int o = 0; o < request.signature->num_outputs; o++) {
        print_tensor(number, words[0], request.signature->outputs[o].key, outputs[o]);
        TF_DeleteTensor(outputs[o]);
      }
    }
  }
  release(&request);
  fflush(stdout);
}

/* ------------------------------------------------------------ load: threads sharing a session */

typedef struct {
  TF_Session *session;
  const Request *request;
  int repeats;
  double *latencies_ms; /* repeats of them */
  int errors, mismatches;
  const TF_Tensor *reference; /* the first output of a single call: what every call must give */
} Worker;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *work(void *argument) {
  Worker *worker = argument;
  char message[1024];
  for (int r = 0; r < worker->repeats; r++) {
    TF_Tensor *outputs[MAX_ENTRIES] = {0};
    double start = now_ms();
    TF_Code code = run(worker->session, worker->request, outputs, message, sizeof message);
    worker->latencies_ms[r] = now_ms() - start;
    if (code != TF_OK) {
      worker->errors++;
      continue;
    }
    if (TF_TensorByteSize(outputs[0]) != TF_TensorByteSize(worker->reference) ||
        memcmp(TF_TensorData(outputs[0]), TF_TensorData(worker->reference),
               TF_TensorByteSize(outputs[0])) != 0)
      worker->mismatches++;
    for (int o = 0; o < worker->request->signature->num_outputs; o++) TF_DeleteTensor(outputs[o]);
  }
  return NULL;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* "load THREADS REPEATS SIGNATURE INPUT=..." -> one LOAD line with latency percentiles. */
static void run_load(TF_Session *session, TF_Graph *graph, const Signatures *signatures,
                     int number, char *line) {
  char *words[MAX_ENTRIES];
  int count = split(line, words);
  int threads = count > 3 ? atoi(words[1]) : 0, repeats = count > 3 ? atoi(words[2]) : 0;
  Request request;
  char error[1024] = "";
  if (threads < 1 || threads > 256 || repeats < 1) {
    printf("ERROR %d %d expected load THREADS (1-256) REPEATS (>= 1) SIGNATURE INPUTS\n", number,
           TF_INVALID_ARGUMENT);
    fflush(stdout);
    return;
  }
  if (!prepare(graph, signatures, words[3], words + 4, count - 4, &request, error, sizeof error)) {
    printf("ERROR %d %d %s\n", number, TF_INVALID_ARGUMENT, error);
    release(&request);
    fflush(stdout);
    return;
  }
  TF_Tensor *reference[MAX_ENTRIES] = {0};
  TF_Code code = run(session, &request, reference, error, sizeof error);
  if (code != TF_OK) {
    printf("ERROR %d %d %s\n", number, code, error);
    release(&request);
    fflush(stdout);
    return;
  }
  pthread_t ids[256];
  Worker workers[256];
  double *latencies = malloc(sizeof(double) * (size_t)threads * (size_t)repeats);
  double start = now_ms();
  for (int t = 0; t < threads; t++) {
    workers[t] = (Worker){session, &request, repeats, latencies + (size_t)t * repeats, 0, 0,
                          reference[0]};
    pthread_create(&ids[t], NULL, work, &workers[t]);
  }
  int errors = 0, mismatches = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(ids[t], NULL);
    errors += workers[t].errors;
    mismatches += workers[t].mismatches;
  }
  double seconds = (now_ms() - start) / 1e3;
  int total = threads * repeats;
  qsort(latencies, (size_t)total, sizeof(double), compare_doubles);
  printf("LOAD %d threads=%d repeats=%d errors=%d mismatches=%d p50_ms=%.3f p99_ms=%.3f "
         "requests_per_s=%.1f\n", number, threads, repeats, errors, mismatches,
         latencies[(total - 1) / 2], latencies[(int)(0.99 * (total - 1))], total / seconds);
  free(latencies);
  for (int o = 0; o < request.signature->num_outputs; o++) TF_DeleteTensor(reference[o]);
  release(&request);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s EXPORT_DIR < requests\n", argv[0]);
    return 2;
  }
  TF_Status *status = TF_NewStatus();
  TF_Graph *graph = TF_NewGraph();
  TF_SessionOptions *options = TF_NewSessionOptions();
  TF_Buffer *meta_graph = TF_NewBuffer();
  const char *tags[] = {"serve"};
  TF_Session *session = TF_LoadSessionFromSavedModel(options, NULL, argv[1], tags, 1, graph,
                                                     meta_graph, status);
  if (TF_GetCode(status) != TF_OK) {
    fprintf(stderr, "error: cannot load %s: %s\n", argv[1], TF_Message(status));
    return 1;
  }
  static Signatures signatures;
  Bytes bytes = {meta_graph->data, meta_graph->length};
  if (!each_field(bytes, visit_meta_graph, &signatures) || signatures.count == 0) {
    fprintf(stderr, "error: no SignatureDef in the MetaGraphDef of %s\n", argv[1]);
    return 1;
  }
  printf("LOADED %s %d signatures\n", argv[1], signatures.count);
  fflush(stdout);
  static char line[1 << 22]; /* requests carry their values inline */
  int request = 0;
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "signatures", 10) == 0) {
      for (int s = 0; s < signatures.count; s++) {
        const Signature *sig = &signatures.items[s];
        for (int i = 0; i < sig->num_inputs; i++)
          printf("SIGNATURE %s input %s %s:%d %s\n", sig->name, sig->inputs[i].key,
                 sig->inputs[i].operation, sig->inputs[i].index, dtype_name(sig->inputs[i].dtype));
        for (int o = 0; o < sig->num_outputs; o++)
          printf("SIGNATURE %s output %s %s:%d %s\n", sig->name, sig->outputs[o].key,
                 sig->outputs[o].operation, sig->outputs[o].index,
                 dtype_name(sig->outputs[o].dtype));
      }
      fflush(stdout);
      continue;
    }
    if (strncmp(line, "load ", 5) == 0) run_load(session, graph, &signatures, request++, line);
    else run_request(session, graph, &signatures, request++, line);
  }
  TF_CloseSession(session, status);
  TF_DeleteSession(session, status);
  TF_DeleteBuffer(meta_graph);
  TF_DeleteSessionOptions(options);
  TF_DeleteGraph(graph);
  TF_DeleteStatus(status);
  return 0;
}
