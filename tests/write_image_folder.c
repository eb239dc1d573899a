/* write_image_folder DIR TRAIN TEST CLASSES SEED: an image-folder data set
 * for scripted tests (tests/test_embed_example.sh), written with the test
 * fixtures, not with clcnn: DIR/train/cK/NNNNN.png (TRAIN images) and
 * DIR/test/cK/NNNNN.png (TEST images), 32x32 RGB, CLASSES classes that a
 * small net can learn (train_fixture_dataset: each class its own colour and
 * stripe orientation, plus noise). The test images come from another seed. */
#include <stdio.h>
#include <stdlib.h>

#include "data_fixtures.h"
#include "image_fixtures.h"
#include "train_fixtures.h"

static int write_split(const char *dir, const char *split, int count, int classes,
                       uint32_t seed)
{
    char path[4096];
    clcnn_dataset ds;
    snprintf(path, sizeof path, "%s/%s", dir, split);
    train_fixture_dataset(&ds, count, 3, 32, classes, seed);
    int status = fixture_mkdir(path) == 0 ? fixture_write_png_folder(&ds, path, "") : -1;
    clcnn_dataset_free(&ds);
    if (status != 0)
        fprintf(stderr, "write_image_folder: could not write %s\n", path);
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s DIR TRAIN TEST CLASSES SEED\n", argv[0]);
        return 2;
    }
    int train = atoi(argv[2]), test = atoi(argv[3]), classes = atoi(argv[4]);
    uint32_t seed = (uint32_t)strtoul(argv[5], NULL, 10);
    if (train < classes || test < classes || classes < 2) {
        fprintf(stderr, "write_image_folder: need 2 or more classes and at least as many "
                        "images as classes in each split\n");
        return 2;
    }
    return write_split(argv[1], "train", train, classes, seed) == 0 &&
                   write_split(argv[1], "test", test, classes, seed + 1) == 0
               ? 0
               : 1;
}
