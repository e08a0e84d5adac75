#include <opencv2/core/utility.hpp>
#include "cvthreads.h"

void livecam_cv_set_num_threads(int n) { cv::setNumThreads(n); }
int livecam_cv_get_num_threads(void) { return cv::getNumThreads(); }
